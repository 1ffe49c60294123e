import ArgumentParser
import Logging
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
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard.bench-server")
        let metrics = PrometheusMetrics.bootstrap()
        let readiness = ServerReadiness()
        let server = BenchServer(host: listen.host, port: listen.port, logger: logger, readiness: readiness) {
            OperationalOptions.addRoutes(to: &$0, metrics: metrics, readiness: readiness)
        }
        try await ServiceGroup.runUntilSignal(server, logger: logger)
    }
}
