import ChatStore
import Logging
import ServiceLifecycle
import SwitchboardTransport

extension ChatServer {
    /// A server with the storage its configuration names, and the services to run beside it.
    public struct Assembly: Sendable {
        /// The chat server.
        public var server: ChatServer
        /// Long-running storage parts (the backup job) to run in the same service group.
        public var services: [any Service]
    }

    /// Opens the storage of `configuration` and creates the server on it.
    ///
    /// - Parameters:
    ///   - security: TLS for HTTPS/WSS, or `nil` for plain HTTP.
    ///   - readiness: set ready while the server accepts work.
    ///   - addRoutes: adds operational routes (`/metrics`, `/readyz`).
    public static func open(
        configuration: ChatServerConfiguration, logger: Logger, security: TransportSecurity? = nil,
        readiness: ServerReadiness = ServerReadiness(), addRoutes: (inout HTTPRouter) -> Void = { _ in }
    ) async throws -> Assembly {
        // TEMPORARY until store2's `ChatStorage.open` lands: memory only.
        let messages = MessageStore(hotStore: InMemoryHotStore(), archive: nil, logger: logger)
        let directory = InMemoryChatDirectory()
        let server = try await ChatServer(
            configuration: configuration, messages: messages, directory: directory, logger: logger, security: security,
            readiness: readiness, addRoutes: addRoutes)
        return Assembly(server: server, services: messages.backup.map { [$0] } ?? [])
    }
}
