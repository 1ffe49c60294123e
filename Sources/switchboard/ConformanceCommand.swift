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

    @OptionGroup var listen: ListenOptions
    @OptionGroup var logging: LoggingOptions

    @Flag(help: "Enable connection state recovery on /socket.io/ (for the client suites; adds `pid` to CONNECT).")
    var connectionStateRecovery = false

    func run() async throws {
        let logger = try logging.bootstrap(label: "switchboard.conformance")
        let server = try ConformanceServer(
            host: listen.host, port: listen.port,
            connectionStateRecovery: connectionStateRecovery ? ConformanceServer.clientSuiteRecovery : nil, logger: logger
        )
        try await ServiceGroup.runUntilSignal(server, logger: logger)
    }
}
