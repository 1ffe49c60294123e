import ArgumentParser
import Logging
import ServiceLifecycle
import SwitchboardConformance

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
        try await ServiceGroup.runUntilSignal(BenchServer(host: listen.host, port: listen.port, logger: logger), logger: logger)
    }
}
