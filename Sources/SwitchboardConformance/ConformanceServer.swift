import EngineIO
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SocketIO
import SwitchboardBrowserClient
import SwitchboardTransport

/// The server of `switchboard conformance`: the behaviour the official Engine.IO v4 and Socket.IO v5
/// test suites and a WebSocket conformance client expect (see `shared/CONFORMANCE.md`).
///
/// - `/engine.io/`: raw Engine.IO echo.
/// - `/socket.io/`: the Socket.IO reference behaviour (``ConformanceBehaviour``); the same server is also
///   mounted at `/custom-path/` (the clients' `path` option).
/// - `/echo`: a plain WebSocket echo (RFC 6455, permessage-deflate when offered).
/// - `/socket.io/socket.io.js`: the browser client, for pages served from another origin.
public struct ConformanceServer: Service {
    /// The engine settings both endpoints use: 300 ms ping interval, 200 ms ping timeout, any origin.
    public static let engineConfiguration = EngineConfiguration(
        pingInterval: 300,
        pingTimeout: 200,
        maxPayload: 1_000_000,
        cors: .anyOriginWithCredentials,
        // The protocol suites open many sessions from one address in quick succession.
        limits: .unlimited
    )

    /// The recovery settings of `switchboard conformance --connection-state-recovery` (2 minutes, skip
    /// middlewares, in memory).
    public static let clientSuiteRecovery = SocketIOConnectionStateRecovery()

    /// The single-threaded event loop group conformance mode runs on.
    static let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// The Socket.IO server behind `/socket.io/`.
    public let io: SocketIOServer
    /// The HTTP server; read its `localPort` once running.
    public let http: HTTPServer

    /// Creates the server; nothing listens until ``run()``.
    ///
    /// - Parameters:
    ///   - engineConfiguration: the Engine.IO settings of both endpoints; the default is the
    ///     conformance contract's. Tests of other behaviour may relax the heartbeat.
    ///   - connectionStateRecovery: recovery for the client suites; off by default, because with it the
    ///     `CONNECT` answer carries a `pid` the protocol suites do not expect.
    public init(
        host: String,
        port: Int,
        engineConfiguration: EngineConfiguration = ConformanceServer.engineConfiguration,
        connectionStateRecovery: SocketIOConnectionStateRecovery? = nil,
        logger: Logger
    ) throws {
        let io = SocketIOServer(
            configuration: SocketIOServer.Configuration(
                connectTimeout: .milliseconds(1_000), connectionStateRecovery: connectionStateRecovery
            ),
            logger: logger
        )
        ConformanceBehaviour.install(on: io)

        var router = HTTPRouter()
        router.mount(
            EngineServer(configuration: engineConfiguration, delegate: EngineEchoDelegate(), logger: logger),
            at: "/engine.io/"
        )
        router.mount(
            EngineServer(configuration: engineConfiguration, delegate: io, logger: logger),
            at: "/socket.io/"
        )
        router.mount(
            EngineServer(configuration: engineConfiguration, delegate: io, logger: logger),
            at: "/custom-path/"
        )
        router.addWebSocketRoute(EchoWebSocketRoute.make(), at: "/echo")
        BrowserClientRoute.add(to: &router, path: "/socket.io/socket.io.js")

        self.io = io
        // One event loop: the official suites send requests for one session on separate TCP connections
        // a few milliseconds apart and expect them handled in that order; with several loops the hop to
        // the session's loop can reorder them on a loaded machine. Conformance mode is not a speed mode.
        self.http = HTTPServer(
            host: host, port: port, router: router, eventLoopGroup: Self.eventLoopGroup, logger: logger
        )
    }

    /// Listens until graceful shutdown.
    public func run() async throws {
        try await http.run()
    }
}
