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
    @OptionGroup var server: ServerOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "Join a cluster through this Redis server (redis://[[user]:password@]host[:port][/db]); with --recovery, sessions are kept in Redis so any node recovers them.")
    var redisURL: String?

    @Option(help: "This process's id in the cluster (default: random).")
    var nodeID: String?

    @Flag(name: .long, help: "Add the test-only events and namespaces of the interop tests (tests/interop).")
    var interopEvents = false

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard.bench-server")
        let metrics = PrometheusMetrics.bootstrap()
        let readiness = ServerReadiness()
        var socketIO = try server.socketIOConfiguration(base: SocketIOServer.Configuration())
        var node: ClusterNode?
        if let redisURL {
            node = try await ClusterNode.join(
                redis: RedisConfiguration(url: redisURL), configuration: &socketIO,
                options: ClusterOptions(nodeID: nodeID.map(ClusterNodeID.init) ?? .random()), logger: logger)
        }
        let bench = BenchServer(
            host: listen.host, port: listen.port, logger: logger, readiness: readiness,
            engine: try server.engineConfiguration(base: BenchServer.defaultEngineConfiguration),
            socketIO: socketIO, interopEvents: interopEvents
        ) {
            OperationalOptions.addRoutes(to: &$0, metrics: metrics, readiness: readiness)
            server.addPublishRoute(to: &$0, io: $1)
        }
        if let node, let redisURL {
            // Polling requests and WebSocket upgrades may land on any node: no sticky sessions.
            let sessions = try ClusterSessions(node: node, redis: RedisConfiguration(url: redisURL), http: bench.http, logger: logger)
            try await ServiceGroup.runUntilSignal(node, sessions, bench, logger: logger)
        } else {
            try await ServiceGroup.runUntilSignal(bench, logger: logger)
        }
    }
}
