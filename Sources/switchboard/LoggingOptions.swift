import ArgumentParser
import Logging

/// Options shared by every subcommand that runs a server.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (env SWITCHBOARD_LOG_LEVEL).")
    var logLevel: String?

    /// Sets up swift-log once for the process and returns the root logger.
    func bootstrap(label: String) throws -> Logger {
        let raw = logLevel ?? EnvironmentDefault.string("LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: raw) else {
            throw ValidationError("unknown log level '\(raw)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
