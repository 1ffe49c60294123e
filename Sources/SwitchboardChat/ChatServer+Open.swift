import ChatStorage
import ChatStore
import Logging
import ServiceLifecycle
import SocketIO
import SwitchboardTransport

extension ChatServer {
    /// A server with the storage its configuration names, and the services to run beside it.
    public struct Assembly: Sendable {
        /// The chat server.
        public var server: ChatServer
        /// Long-running storage parts (the backup job, database connections) to run in the same service group,
        /// before the server (so the group stops them after it).
        public var services: [any Service]
    }

    /// Opens the storage of `configuration` and creates the server on it.
    ///
    /// - Parameters:
    ///   - security: TLS for HTTPS/WSS, or `nil` for plain HTTP.
    ///   - readiness: set ready while the server accepts work.
    ///   - addRoutes: adds routes that may use the Socket.IO server (`/metrics`, `/readyz`, the publish API).
    public static func open(
        configuration: ChatServerConfiguration, logger: Logger, security: TransportSecurity? = nil,
        readiness: ServerReadiness = ServerReadiness(), addRoutes: (inout HTTPRouter, SocketIOServer) -> Void = { _, _ in }
    ) async throws -> Assembly {
        let storage = try await ChatStorage.open(
            dataDirectory: configuration.dataDirectory, redisURL: configuration.redisURL,
            postgresURL: configuration.postgresURL, backupCron: configuration.backupCron, logger: logger)
        let server: ChatServer
        do {
            server = try await ChatServer(
                configuration: configuration, messages: storage.messages, directory: storage.directory, logger: logger,
                security: security, readiness: readiness, addRoutes: addRoutes)
        } catch {
            await storage.close()  // e.g. a bad JWT secret: report it, leave no connection open
            throw error
        }
        return Assembly(server: server, services: [storage.service])
    }
}
