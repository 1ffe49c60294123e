import ArgumentParser
import Logging
import ServiceLifecycle
import SocketIO
import SwitchboardCluster
import SwitchboardRedis
import ClusterProtocol
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

    @Option(help: "This process's id in the cluster (default: random).")
    var nodeID: String?

    @Flag(help: "Connection state recovery (sessions kept in Redis with --redis-url, so any node recovers them).")
    var recovery = false

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard.bench-server")
        let metrics = PrometheusMetrics.bootstrap()
        let readiness = ServerReadiness()
        var configuration = SocketIOServer.Configuration()
        if recovery { configuration.connectionStateRecovery = SocketIOConnectionStateRecovery() }
        var node: ClusterNode?
        if let redisURL {
            node = try await ClusterNode.join(
                redis: RedisConfiguration(url: redisURL), configuration: &configuration,
                options: ClusterOptions(nodeID: nodeID.map(ClusterNodeID.init) ?? .random()), logger: logger)
        }
        let server = BenchServer(
            host: listen.host, port: listen.port, logger: logger, readiness: readiness, configuration: configuration
        ) {
            OperationalOptions.addRoutes(to: &$0, metrics: metrics, readiness: readiness)
        }
        if let node, let redisURL {
            // Polling requests and WebSocket upgrades may land on any node: no sticky sessions.
            let sessions = try ClusterSessions(node: node, redis: RedisConfiguration(url: redisURL), http: server.http, logger: logger)
            try await ServiceGroup.runUntilSignal(node, sessions, server, logger: logger)
        } else {
            try await ServiceGroup.runUntilSignal(server, logger: logger)
        }
    }
}
