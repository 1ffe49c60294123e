import Logging
import ServiceLifecycle

/// The chat server: pages, browser client and the chat's Socket.IO events on one port.
public struct ChatServer: Service {
    let configuration: ChatServerConfiguration
    let logger: Logger

    /// Creates the server; nothing listens until ``run()``.
    public init(configuration: ChatServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
    }

    /// Listens until graceful shutdown.
    public func run() async throws {
        fatalError("wired at integration")
    }
}
