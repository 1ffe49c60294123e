import ArgumentParser
import Logging
import ServiceLifecycle
import SocketIO
import SwitchboardCluster
import SwitchboardConformance
import SwitchboardMetrics
import SwitchboardTransport

/// `switchboard bench-server`: the benchmark target (see ``BenchServer``).
struct BenchServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-server",
        abstract: "Serve the benchmark event contract; prints 'LISTENING <port> <pid>' when ready."
    )

    @OptionGroup var listen: ListenOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "Join a cluster through this Redis server (redis://[[user]:password@]host[:port][/db]).")
    var redisURL: String?

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard.bench-server")
        let metrics = PrometheusMetrics.bootstrap()
        let readiness = ServerReadiness()
        var configuration = SocketIOServer.Configuration()
        var node: ClusterNode?
        if let redisURL {
            node = try await ClusterNode.join(redisURL: redisURL, configuration: &configuration, logger: logger)
        }
        let server = BenchServer(
            host: listen.host, port: listen.port, logger: logger, readiness: readiness, configuration: configuration
        ) {
            OperationalOptions.addRoutes(to: &$0, metrics: metrics, readiness: readiness)
        }
        if let node {
            try await ServiceGroup.runUntilSignal(node, server, logger: logger)
        } else {
            try await ServiceGroup.runUntilSignal(server, logger: logger)
        }
    }
}
