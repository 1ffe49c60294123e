import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Redis client: commands are spread round robin over a small pool of pipelined connections
/// (``RedisConfiguration/poolSize``), each reconnected with backoff after it is lost.
///
/// Delivery rules when the server goes away:
/// - A command already written when its connection is lost fails with
///   ``RedisError/Code/connectionClosed``: the server may or may not have carried it out, so it is never
///   sent again. Only a command whose reply arrived ever succeeds.
/// - A command issued while a connection is down waits for that connection's next attempt (at most the
///   current backoff delay, ``RedisConfiguration/reconnectBaseDelay`` doubling up to
///   ``RedisConfiguration/reconnectMaxDelay``) and fails with ``RedisError/Code/connectionFailed`` if it
///   fails. Once the server is back, the next attempt succeeds and commands flow again.
///
/// Run it in a `ServiceGroup` so that graceful shutdown closes the connections after their pending
/// replies arrive; or call ``shutdown()``. Use ``RedisSubscriber`` for pub/sub.
public final class RedisClient: Service, Sendable {
    /// The configuration the client was created with.
    public let configuration: RedisConfiguration
    private let pool: RedisConnectionPool

    /// Creates a client; no connection is opened until the first command.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "switchboard.redis", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        self.pool = RedisConnectionPool(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Sends a command and waits for its reply.
    ///
    /// - Throws: ``RedisError``: ``RedisError/Code/commandFailed`` for an error reply; see the type's
    ///   documentation for connection failures.
    @discardableResult
    public func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        let connection = try await pool.connection()
        return try await connection.send(command)
    }

    /// Publishes `message` to `channel` (`PUBLISH`) and returns how many subscribers received it.
    @discardableResult
    public func publish(_ message: ByteBuffer, to channel: String) async throws(RedisError) -> Int {
        let reply = try await send(RESPCommand("PUBLISH", channel, message))
        guard case .integer(let receivers) = reply else {
            throw RedisError(code: .protocolViolation, message: "PUBLISH answered \(reply), not an integer")
        }
        return Int(receivers)
    }

    /// Waits for graceful shutdown (or cancellation), then closes every connection after its pending replies.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Refuses new commands and closes every connection once its pending commands are answered.
    public func shutdown() async {
        await pool.shutdown()
    }
}
