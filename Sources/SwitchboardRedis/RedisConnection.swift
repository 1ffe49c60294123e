import Logging
import NIOCore
import NIOPosix
@_exported import RESP

/// One TCP connection to a Redis server, with pipelining: any number of commands may be in flight,
/// and their replies complete them in order.
///
/// The connection speaks RESP3 when the server accepts `HELLO 3` and falls back to RESP2 otherwise.
/// It does not reconnect; ``RedisClient`` and ``RedisSubscriber`` do.
public final class RedisConnection: Sendable {
    /// The NIO channel the connection runs on.
    public let channel: any Channel
    /// The protocol negotiated by the handshake: 3 or 2.
    public let protocolVersion: Int
    private let commandTimeout: TimeAmount?

    private init(channel: any Channel, protocolVersion: Int, commandTimeout: TimeAmount?) {
        self.channel = channel
        self.protocolVersion = protocolVersion
        self.commandTimeout = commandTimeout
    }

    /// Opens a connection and completes the handshake (`HELLO`, or `AUTH` in RESP2; then `SELECT`).
    ///
    /// - Parameters:
    ///   - onPush: called on the connection's event loop for every pub/sub message and other push.
    /// - Returns: a future that fails with ``RedisError`` (``RedisError/Code/connectionFailed``,
    ///   ``RedisError/Code/authenticationFailed``, ``RedisError/Code/timeout``…).
    public static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
        logger: Logger = Logger(label: "switchboard.redis", factory: { _ in SwiftLogNoOpLogHandler() }),
        onPush: @escaping @Sendable (RedisPush) -> Void = { _ in }
    ) -> EventLoopFuture<RedisConnection> {
        let readyPromise = eventLoop.makePromise(of: Int.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = RedisChannelHandler(
                        configuration: configuration, readyPromise: readyPromise, logger: logger, onPush: onPush)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let timeout = configuration.commandTimeout.map(TimeAmount.init)
        return bootstrap.connect(host: configuration.host, port: configuration.port)
            .flatMapError { error in
                let failure = RedisError(
                    code: .connectionFailed,
                    message: "cannot connect to \(configuration.host):\(configuration.port): \(error)",
                    underlying: error)
                readyPromise.fail(failure)
                return eventLoop.makeFailedFuture(failure)
            }
            .flatMap { channel in
                readyPromise.futureResult.map { version in
                    RedisConnection(channel: channel, protocolVersion: version, commandTimeout: timeout)
                }
                .flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
    }

    /// Opens a connection and completes the handshake; see ``connect(configuration:eventLoop:logger:onPush:)``.
    public static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any(),
        logger: Logger = Logger(label: "switchboard.redis", factory: { _ in SwiftLogNoOpLogHandler() }),
        onPush: @escaping @Sendable (RedisPush) -> Void = { _ in }
    ) async throws(RedisError) -> RedisConnection {
        do {
            return try await connect(
                configuration: configuration, eventLoop: eventLoop, logger: logger, onPush: onPush
            ).get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(code: .connectionFailed, message: "\(error)", underlying: error)
        }
    }

    /// The event loop the connection runs on.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Whether the channel is still open.
    public var isActive: Bool { channel.isActive }

    /// Completes when the connection has closed, for whatever reason.
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    /// Sends a command; the future completes with its reply, or fails with ``RedisError``:
    /// ``RedisError/Code/commandFailed`` for an error reply (the connection stays usable), or a
    /// connection-level code when the connection failed or closed.
    public func send(_ command: RESPCommand) -> EventLoopFuture<RESPValue> {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let request = RedisRequest(command: command, promise: promise, deadline: commandTimeout.map { .now() + $0 })
        channel.writeAndFlush(request).whenFailure { error in
            // Only when the request never reached the handler, e.g. the channel is already gone.
            promise.fail(RedisError(code: .connectionClosed, message: "the connection is closed", underlying: error))
        }
        return promise.futureResult
    }

    /// Sends a command and waits for its reply; errors as for the `EventLoopFuture` variant.
    @discardableResult
    public func send(_ command: RESPCommand) async throws(RedisError) -> RESPValue {
        do {
            return try await (send(command) as EventLoopFuture<RESPValue>).get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(code: .connectionClosed, message: "\(error)", underlying: error)
        }
    }

    /// Closes the connection once every command already sent has its reply; new commands fail.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        channel.triggerUserOutboundEvent(RedisGracefulCloseEvent(), promise: nil)
        return channel.closeFuture
    }

    /// Closes the connection once every command already sent has its reply, and waits until it is closed.
    public func close() async {
        try? await (close() as EventLoopFuture<Void>).get()
    }
}
