import ArgumentParser
import ClusterProtocol
import Logging
import ServiceLifecycle
import SwitchboardChat
import SwitchboardCluster
import SwitchboardMetrics
import SwitchboardRedis
import SwitchboardTLS
import SwitchboardTransport

/// `switchboard serve`: the chat server on its embedded defaults.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the chat server (default command)."
    )

    @Option(name: .long, help: "Address to listen on (env SWITCHBOARD_HOST, default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "TCP port to listen on (env SWITCHBOARD_PORT, default 3000).")
    var port: Int?

    @Option(name: .long, help: "Directory for the server's data (env SWITCHBOARD_DATA_DIR, default ./.data).")
    var dataDir: String?

    @Option(name: .long, help: "PEM certificate chain for HTTPS/WSS (env SWITCHBOARD_TLS_CERT); needs --tls-key.")
    var tlsCert: String?

    @Option(name: .long, help: "PEM private key for HTTPS/WSS (env SWITCHBOARD_TLS_KEY); needs --tls-cert.")
    var tlsKey: String?

    @Option(name: .long, help: "HS256 secret for access tokens, ≥ 32 bytes (env SWITCHBOARD_JWT_SECRET; default: generated once into <data-dir>/jwt-secret).")
    var jwtSecret: String?

    @Option(name: .long, help: "Access token lifetime: seconds or 30m, 12h, 7d (env SWITCHBOARD_TOKEN_TTL, default 12h).")
    var tokenTtl: String?

    @Option(name: .long, help: "Token of the /admin operations dashboard (env SWITCHBOARD_ADMIN_TOKEN; unset: dashboard disabled).")
    var adminToken: String?

    @Option(name: .long, help: "Redis hot store, e.g. redis://127.0.0.1:6379 (env SWITCHBOARD_REDIS_URL; default: memory).")
    var redisUrl: String?

    @Option(name: .long, help: "PostgreSQL archive and directory, e.g. postgres://user:pw@host/db (env SWITCHBOARD_POSTGRES_URL; default: SQLite in <data-dir>).")
    var postgresUrl: String?

    @Option(name: .long, help: "When the backup job archives messages, 5-field cron (env SWITCHBOARD_BACKUP_CRON, default '* * * * *').")
    var backupCron: String?

    @Option(name: .long, help: "This process's id in a cluster (with --redis-url; env SWITCHBOARD_NODE_ID, default random).")
    var nodeId: String?

    @OptionGroup var server: ServerOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard")
        let ttlText = tokenTtl ?? EnvironmentDefault.string("TOKEN_TTL") ?? "12h"
        guard let ttl = DurationText.seconds(ttlText) else {
            throw ValidationError("--token-ttl must be seconds or a number with s, m, h or d, got '\(ttlText)'")
        }
        var configuration = ChatServerConfiguration(
            host: host ?? EnvironmentDefault.string("HOST") ?? "127.0.0.1",
            port: try port ?? EnvironmentDefault.int("PORT") ?? 3000,
            dataDirectory: dataDir ?? EnvironmentDefault.string("DATA_DIR") ?? ".data",
            jwtSecret: jwtSecret ?? EnvironmentDefault.string("JWT_SECRET"),
            tokenTimeToLiveSeconds: ttl,
            adminToken: adminToken ?? EnvironmentDefault.string("ADMIN_TOKEN"),
            redisURL: redisUrl ?? EnvironmentDefault.string("REDIS_URL"),
            postgresURL: postgresUrl ?? EnvironmentDefault.string("POSTGRES_URL"),
            backupCron: backupCron ?? EnvironmentDefault.string("BACKUP_CRON") ?? "* * * * *"
        )
        configuration.engine = try server.engineConfiguration(base: configuration.engine)
        configuration.socketIO = try server.socketIOConfiguration(base: ServerOptions.serveSocketIODefaults)
        let metrics = PrometheusMetrics.bootstrap()
        let readiness = ServerReadiness()
        let security = try OperationalOptions.security(
            certificate: tlsCert ?? EnvironmentDefault.string("TLS_CERT"), key: tlsKey ?? EnvironmentDefault.string("TLS_KEY"))
        // With Redis, this process joins a cluster: rooms, broadcasts and sessions are shared with the other
        // `serve` processes on the same Redis, and polling requests may land on any of them.
        var node: ClusterNode?
        if let redisURL = configuration.redisURL {
            node = try await ClusterNode.join(
                redis: RedisConfiguration(url: redisURL), configuration: &configuration.socketIO,
                options: ClusterOptions(nodeID: (nodeId ?? EnvironmentDefault.string("NODE_ID")).map(ClusterNodeID.init) ?? .random()), logger: logger)
        }
        let assembly = try await ChatServer.open(
            configuration: configuration, logger: logger, security: security, readiness: readiness
        ) {
            OperationalOptions.addRoutes(to: &$0, metrics: metrics, readiness: readiness)
            server.addPublishRoute(to: &$0, io: $1)
        }
        var services: [any Service] = assembly.services
        if let node, let redisURL = configuration.redisURL {
            services.insert(node, at: 0)
            services.append(
                try ClusterSessions(node: node, redis: RedisConfiguration(url: redisURL), http: assembly.server.http, logger: logger))
        }
        try await ServiceGroup.runUntilSignal(services + [assembly.server], logger: logger)
    }
}
