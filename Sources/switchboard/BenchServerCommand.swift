import ArgumentParser
import Logging
import SocketIO
import ServiceLifecycle
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

    @Flag(name: .long, help: "Add the test-only events and namespaces of the interop tests (tests/interop).")
    var interopEvents = false

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard.bench-server")
        let metrics = PrometheusMetrics.bootstrap()
        let readiness = ServerReadiness()
        let bench = BenchServer(
            host: listen.host, port: listen.port, logger: logger, readiness: readiness,
            engine: try server.engineConfiguration(base: BenchServer.defaultEngineConfiguration),
            socketIO: try server.socketIOConfiguration(base: SocketIOServer.Configuration()), interopEvents: interopEvents
        ) {
            OperationalOptions.addRoutes(to: &$0, metrics: metrics, readiness: readiness)
            server.addPublishRoute(to: &$0, io: $1)
        }
        try await ServiceGroup.runUntilSignal(bench, logger: logger)
    }
}
