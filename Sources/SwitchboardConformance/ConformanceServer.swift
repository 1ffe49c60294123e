import Logging
import ServiceLifecycle

/// The server of `switchboard conformance` (see CONFORMANCE.md).
public struct ConformanceServer: Service {
    let host: String
    let port: Int
    let logger: Logger

    /// Creates the server; nothing listens until ``run()``.
    public init(host: String, port: Int, logger: Logger) throws {
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// Listens until graceful shutdown.
    public func run() async throws {
        fatalError("wired at integration")
    }
}
