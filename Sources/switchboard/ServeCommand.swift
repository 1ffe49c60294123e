import ArgumentParser
import Logging
import ServiceLifecycle
import SwitchboardChat
import SwitchboardMetrics
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

    @OptionGroup var server: ServerOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard")
        var configuration = ChatServerConfiguration(
            host: host ?? EnvironmentDefault.string("HOST") ?? "127.0.0.1",
            port: try port ?? EnvironmentDefault.int("PORT") ?? 3000,
            dataDirectory: dataDir ?? EnvironmentDefault.string("DATA_DIR") ?? ".data"
        )
        configuration.engine = try server.engineConfiguration(base: configuration.engine)
        configuration.socketIO = try server.socketIOConfiguration(base: ServerOptions.serveSocketIODefaults)
        let metrics = PrometheusMetrics.bootstrap()
        let readiness = ServerReadiness()
        let security = try OperationalOptions.security(
            certificate: tlsCert ?? EnvironmentDefault.string("TLS_CERT"), key: tlsKey ?? EnvironmentDefault.string("TLS_KEY"))
        let chat = try ChatServer(configuration: configuration, logger: logger, security: security, readiness: readiness) {
            OperationalOptions.addRoutes(to: &$0, metrics: metrics, readiness: readiness)
            server.addPublishRoute(to: &$0, io: $1)
        }
        try await ServiceGroup.runUntilSignal(chat, logger: logger)
    }
}
