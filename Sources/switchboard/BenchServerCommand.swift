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

    @Option(name: .long, help: "Address to listen on (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "TCP port to listen on (0 picks a free port).")
    var port: Int = 3000

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard.bench-server")
        let metrics = PrometheusMetrics.bootstrap()
        let readiness = ServerReadiness()
        let server = BenchServer(host: host, port: port, logger: logger, readiness: readiness) {
            OperationalOptions.addRoutes(to: &$0, metrics: metrics, readiness: readiness)
        }
        try await ServiceGroup.runUntilSignal(server, logger: logger)
    }
}
