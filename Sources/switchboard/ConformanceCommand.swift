import ArgumentParser
import Logging
import ServiceLifecycle
import SwitchboardConformance

/// `switchboard conformance`: the behaviour the official protocol test suites are run against.
struct ConformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Serve /engine.io/ (echo), /socket.io/ (reference behaviour) and /echo (WebSocket echo)."
    )

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "TCP port to listen on.")
    var port: Int = 3000

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard.conformance")
        let server = try ConformanceServer(host: host, port: port, logger: logger)
        try await ServiceGroup.runUntilSignal(server, logger: logger)
    }
}
