// swift-tools-version:6.1
import PackageDescription

let nio: Package.Dependency = .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .library(name: "SwitchboardJSON", targets: ["SwitchboardJSON"]),
        .library(name: "EngineIO", targets: ["EngineIO"]),
        .library(name: "SocketIO", targets: ["SocketIO"]),
        .library(name: "SwitchboardWebSocket", targets: ["SwitchboardWebSocket"]),
        .library(name: "SwitchboardTransport", targets: ["SwitchboardTransport"]),
        .library(name: "ChatStore", targets: ["ChatStore"]),
        .library(name: "ChatStoreRedis", targets: ["ChatStoreRedis"]),
        .library(name: "ChatStoreSQLite", targets: ["ChatStoreSQLite"]),
        .library(name: "ChatStorePostgres", targets: ["ChatStorePostgres"]),
        .library(name: "SwitchboardClient", targets: ["SwitchboardClient"]),
        .library(name: "SwitchboardClientTLS", targets: ["SwitchboardClientTLS"]),
        .library(name: "SwitchboardCluster", targets: ["SwitchboardCluster"]),
        .library(name: "SwitchboardHTTPAPI", targets: ["SwitchboardHTTPAPI"]),
    ],
    dependencies: [
        nio,
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
    ],
    targets: [
        // MARK: Pure protocol modules (no sockets)

        /// Ordered JSON values with binary leaves, a strict parser and a compact serializer.
        .target(
            name: "SwitchboardJSON",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        /// Engine.IO v4: packets, polling payloads, handshake rules, the session state machine.
        .target(
            name: "EngineIO",
            dependencies: [
                "SwitchboardJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        /// Socket.IO v5: packet codec with binary attachments, namespaces, rooms, adapters, the server API.
        .target(
            name: "SocketIO",
            dependencies: [
                "EngineIO",
                "SwitchboardJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        /// RFC 6455 message layer over NIOWebSocket frames: reassembly, UTF-8 and close-code rules,
        /// permessage-deflate (RFC 7692).
        .target(
            name: "SwitchboardWebSocket",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),

        /// Splits and percent-decodes server URLs (`redis://`, `postgres://`) for the connection settings (pure).
        .target(name: "ServerURL"),

        /// RESP2/RESP3 codec and the Redis connection state machine (pure).
        .target(
            name: "RESP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),

        /// Chat message storage: the message model, hot store and archive protocols, the in-memory hot
        /// store, cron schedules, the merged history reader and the hot → archive backup job.
        .target(
            name: "ChatStore",
            dependencies: [
                "SwitchboardJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // MARK: I/O layers

        /// The chat hot store on Redis streams (optional: only for deployments with Redis).
        .target(
            name: "ChatStoreRedis",
            dependencies: [
                "ChatStore", "SwitchboardRedis", "RESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        /// The chat archive in a SQLite file (optional).
        .target(
            name: "ChatStoreSQLite",
            dependencies: [
                "ChatStore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// The chat archive in PostgreSQL (optional).
        .target(
            name: "ChatStorePostgres",
            dependencies: [
                "ChatStore", "ServerURL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        /// The chat's storage assembled from `serve`'s options (memory or Redis hot store, SQLite or
        /// PostgreSQL archive and directory, the backup service).
        .target(
            name: "ChatStorage",
            dependencies: [
                "ChatStore", "ChatStoreSQLite", "ChatStorePostgres", "ChatStoreRedis", "SwitchboardRedis",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        /// A Redis client on SwiftNIO: connections, pipelining, pool, pub/sub.
        .target(
            name: "SwitchboardRedis",
            dependencies: [
                "RESP", "ServerURL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        /// The dependency-free browser client (`/socket.io/socket.io.js`), as a resource with its ETag.
        .target(
            name: "SwitchboardBrowserClient",
            dependencies: [
                "SwitchboardTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Resources")]
        ),

        /// The HTTP/WebSocket server on SwiftNIO channel handlers: Engine.IO transports, routes.
        .target(
            name: "SwitchboardTransport",
            dependencies: [
                "EngineIO",
                "SwitchboardWebSocket",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        /// Prometheus exposition (`/metrics`) of the swift-metrics the server records.
        .target(
            name: "SwitchboardMetrics",
            dependencies: [
                "SwitchboardTransport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        /// HTTPS/WSS for the HTTP server (SwiftNIO SSL); only users who need TLS build BoringSSL.
        .target(
            name: "SwitchboardTLS",
            dependencies: [
                "SwitchboardTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        /// The Socket.IO v5 client: pure Engine.IO session, reconnection and namespace state machines,
        /// WebSocket and HTTP long-polling transports on SwiftNIO.
        .target(
            name: "SwitchboardClient",
            dependencies: [
                "EngineIO", "SocketIO", "SwitchboardJSON", "SwitchboardWebSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        /// `https://`/`wss://` for the client (SwiftNIO SSL); only users who need TLS build BoringSSL.
        .target(
            name: "SwitchboardClientTLS",
            dependencies: [
                "SwitchboardClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        /// The cluster wire format and request bookkeeping between Switchboard nodes (pure, no sockets).
        .target(
            name: "ClusterProtocol",
            dependencies: [
                "SocketIO", "EngineIO", "SwitchboardJSON",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        /// Several server processes share rooms, sessions and recovery through Redis (no sticky sessions).
        .target(
            name: "SwitchboardCluster",
            dependencies: [
                "ClusterProtocol", "SocketIO", "EngineIO", "SwitchboardJSON", "SwitchboardRedis", "RESP",
                "SwitchboardTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),

        /// The HTTP publish API: a backend emits to rooms or sockets with one authenticated POST.
        .target(
            name: "SwitchboardHTTPAPI",
            dependencies: [
                "SocketIO", "SwitchboardTransport", "SwitchboardJSON",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // MARK: Applications

        /// `switchboard conformance`: the reference behaviour the official protocol suites expect.
        .target(
            name: "SwitchboardConformance",
            dependencies: [
                "SocketIO", "SwitchboardTransport", "SwitchboardWebSocket", "SwitchboardJSON",
                "SwitchboardBrowserClient", "EngineIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// The chat server built on the Socket.IO server.
        .target(
            name: "SwitchboardChat",
            dependencies: [
                "SocketIO", "SwitchboardTransport", "SwitchboardJSON", "SwitchboardBrowserClient", "EngineIO",
                "ChatStore", "ChatStoreSQLite", "ChatStorePostgres", "ChatStoreRedis", "SwitchboardRedis",
                "ChatStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Public")]
        ),
        /// `switchboard bench`: the load generator (WebSocket Socket.IO clients on SwiftNIO) and its reports.
        .target(
            name: "SwitchboardBench",
            dependencies: [
                "SwitchboardWebSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// `chatstore-bench`: backup throughput into PostgreSQL and history-page latency (not a library).
        .executableTarget(
            name: "chatstore-bench",
            dependencies: [
                "ChatStore", "ChatStorePostgres", "ChatStoreSQLite", "ChatStoreRedis", "SwitchboardRedis",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        /// The `switchboard` command: a thin shell over the libraries.
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "SwitchboardChat", "SwitchboardConformance", "SwitchboardTransport", "SwitchboardBench",
                "SwitchboardTLS", "SwitchboardMetrics", "SwitchboardCluster", "SwitchboardHTTPAPI", "SocketIO", "EngineIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Tests (no network; integration tests run from scripts/test)

        /// Shared by the test targets only: launchers of real redis-server and PostgreSQL on free loopback
        /// ports, program runners and a seeded random generator.
        .target(
            name: "SwitchboardTestSupport",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),

        .testTarget(
            name: "RESPTests",
            dependencies: ["RESP", "SwitchboardTestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        /// Talks to a real redis-server that the test starts itself (installed by scripts/test).
        .testTarget(
            name: "RedisIntegrationTests",
            dependencies: [
                "SwitchboardRedis", "RESP", "SwitchboardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SwitchboardBenchTests", dependencies: ["SwitchboardBench"]),
        .testTarget(
            name: "ChatStoreTests",
            dependencies: [
                "ChatStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        /// SQLite archive on a temporary file (no network).
        .testTarget(
            name: "ChatStoreSQLiteTests",
            dependencies: [
                "ChatStore", "ChatStoreSQLite",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// Redis hot store and PostgreSQL archive against real servers the tests start themselves.
        .testTarget(
            name: "ChatStoreIntegrationTests",
            dependencies: [
                "ChatStore", "ChatStoreRedis", "ChatStorePostgres", "SwitchboardRedis", "RESP", "ChatStorage",
                "SwitchboardTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        /// Client state machines without I/O, then the client against our conformance server on loopback
        /// (also over HTTPS/WSS with an openssl-made CA).
        .testTarget(
            name: "SwitchboardClientTests",
            dependencies: [
                "SwitchboardClient", "SwitchboardConformance", "SwitchboardTransport", "SocketIO", "EngineIO",
                "SwitchboardJSON", "SwitchboardClientTLS", "SwitchboardTLS", "SwitchboardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SwitchboardChatTests",
            dependencies: [
                "SwitchboardChat", "ChatStore", "SocketIO", "SwitchboardJSON", "SwitchboardClient",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ClusterProtocolTests",
            dependencies: ["ClusterProtocol", "SocketIO", "SwitchboardJSON", "SwitchboardTestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        /// Cluster adapter and session forwarding against a real redis-server the tests start themselves.
        .testTarget(
            name: "SwitchboardClusterTests",
            dependencies: [
                "SwitchboardCluster", "ClusterProtocol", "SocketIO", "EngineIO", "SwitchboardJSON",
                "SwitchboardRedis", "SwitchboardTransport", "SwitchboardClient", "SwitchboardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "SwitchboardJSONTests", dependencies: ["SwitchboardJSON", "SwitchboardTestSupport"]),
        .testTarget(name: "ServerURLTests", dependencies: ["ServerURL"]),
        .testTarget(
            name: "SwitchboardHTTPAPITests",
            dependencies: [
                "SwitchboardHTTPAPI", "SocketIO", "SwitchboardJSON",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EngineIOTests",
            dependencies: ["EngineIO", "SwitchboardJSON", "SwitchboardTestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "SocketIOTests",
            dependencies: [
                "SocketIO", "EngineIO", "SwitchboardJSON", "SwitchboardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SwitchboardWebSocketTests",
            dependencies: [
                "SwitchboardWebSocket", "SwitchboardTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        /// Runs openssl (to make a certificate) and a python TLS client, both required on the machine.
        .testTarget(
            name: "SwitchboardTLSTests",
            dependencies: [
                "SwitchboardTLS", "SwitchboardTransport", "EngineIO", "SwitchboardTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        /// Reads `/metrics` and `/readyz` with curl.
        .testTarget(
            name: "SwitchboardMetricsTests",
            dependencies: [
                "SwitchboardMetrics", "SwitchboardTransport", "EngineIO", "SwitchboardTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "SwitchboardTransportTests",
            dependencies: [
                "SwitchboardTransport", "EngineIO", "SwitchboardWebSocket",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ]
)
