import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Pub/sub on a dedicated connection: subscribe to channels and patterns, read the published messages
/// from ``messages``.
///
/// The subscriber remembers what it is subscribed to. When the connection is lost it reconnects with
/// backoff and subscribes again to everything, so ``messages`` continues after a server restart (messages
/// published while it was disconnected are lost: Redis pub/sub is at-most-once). Such a gap is logged as
/// a warning with its length and reported to the `onConnectionEvent` handler, so the owner can count it
/// and recover what it can.
///
/// Run it in a `ServiceGroup` so that graceful shutdown closes the connection and finishes
/// ``messages``; or call ``shutdown()``.
public final class RedisSubscriber: Service, Sendable {
    /// Every message published to a subscribed channel or pattern, in arrival order. It finishes when the
    /// subscriber shuts down. Iterate it from one task.
    public let messages: AsyncStream<RedisPubSubMessage>
    private let core: RedisSubscriberCore

    /// A change of the subscriber's connection after its first successful subscription.
    public enum ConnectionEvent: Sendable, Hashable {
        /// The connection was lost: messages published from now on are lost until ``resubscribed(after:)``.
        case lost
        /// The subscriber reconnected and subscribed again to every channel and pattern it had;
        /// messages published during `gap` (from the loss until now) were lost.
        case resubscribed(after: Duration)
    }

    /// Creates a subscriber; the connection opens with the first subscription. `onConnectionEvent` is
    /// called (from the subscriber's own task, never concurrently) when an established connection is
    /// lost and when the subscriber has reconnected and subscribed again.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "switchboard.redis", factory: { _ in SwiftLogNoOpLogHandler() }),
        onConnectionEvent: @escaping @Sendable (ConnectionEvent) -> Void = { _ in }
    ) {
        let (messages, continuation) = AsyncStream.makeStream(of: RedisPubSubMessage.self)
        self.messages = messages
        self.core = RedisSubscriberCore(
            configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger, continuation: continuation,
            onConnectionEvent: onConnectionEvent)
    }

    /// Subscribes to exact channel names; returns once the server confirmed every one.
    ///
    /// The channels are remembered even if this throws, and subscribed again after a reconnect.
    public func subscribe(to channels: [String]) async throws(RedisError) {
        try await core.change(.channel, subscribe: true, channels)
    }

    /// Unsubscribes from exact channel names.
    public func unsubscribe(from channels: [String]) async throws(RedisError) {
        try await core.change(.channel, subscribe: false, channels)
    }

    /// Subscribes to glob-style patterns (`PSUBSCRIBE`); returns once the server confirmed every one.
    public func subscribe(toPatterns patterns: [String]) async throws(RedisError) {
        try await core.change(.pattern, subscribe: true, patterns)
    }

    /// Unsubscribes from patterns (`PUNSUBSCRIBE`).
    public func unsubscribe(fromPatterns patterns: [String]) async throws(RedisError) {
        try await core.change(.pattern, subscribe: false, patterns)
    }

    /// The channels and patterns the subscriber keeps subscribed, by family.
    public var subscriptions: [RedisSubscriptionKind: Set<String>] {
        get async { await core.desired }
    }

    /// Waits for graceful shutdown (or cancellation), then closes the connection and finishes ``messages``.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes the connection and finishes ``messages``; later calls to subscribe fail.
    public func shutdown() async {
        await core.shutdown()
    }
}

/// The subscriber's mutable state: what it should be subscribed to and its current connection.
actor RedisSubscriberCore {
    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let continuation: AsyncStream<RedisPubSubMessage>.Continuation
    private let onConnectionEvent: @Sendable (RedisSubscriber.ConnectionEvent) -> Void
    /// When the last established connection was lost, until the subscriber has subscribed again.
    private var lostAt: ContinuousClock.Instant?
    private(set) var desired: [RedisSubscriptionKind: Set<String>] = [:]
    private var connection: RedisConnection?
    private var connecting: Task<RedisConnection, any Error>?
    private var failures = 0
    private var isShutDown = false

    init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        continuation: AsyncStream<RedisPubSubMessage>.Continuation,
        onConnectionEvent: @escaping @Sendable (RedisSubscriber.ConnectionEvent) -> Void
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.continuation = continuation
        self.onConnectionEvent = onConnectionEvent
    }

    func change(_ kind: RedisSubscriptionKind, subscribe: Bool, _ channels: [String]) async throws(RedisError) {
        guard !channels.isEmpty else { return }
        if subscribe {
            desired[kind, default: []].formUnion(channels)
        } else {
            desired[kind]?.subtract(channels)
            guard let connection, connection.isActive else { return }
        }
        let connection = try await ensureConnection()
        let name = subscribe ? kind.subscribeCommand : kind.unsubscribeCommand
        try await connection.send(RESPCommand(name, arguments: channels))
    }

    private func ensureConnection() async throws(RedisError) -> RedisConnection {
        guard !isShutDown else { throw RedisError(code: .clientShutdown, message: "the Redis subscriber was shut down") }
        if let connection, connection.isActive { return connection }
        let task = connecting ?? startConnecting()
        return try await connectionResult(of: task)
    }

    private func startConnecting() -> Task<RedisConnection, any Error> {
        let delay = reconnectDelay(
            afterFailures: failures, base: configuration.reconnectBaseDelay, maximum: configuration.reconnectMaxDelay)
        let configuration = configuration
        let eventLoop = eventLoopGroup.any()
        let logger = logger
        let continuation = continuation
        let task = Task<RedisConnection, any Error> {
            if delay > .zero { try await Task.sleep(for: delay) }
            do {
                let connection = try await RedisConnection.connect(
                    configuration: configuration, eventLoop: eventLoop, logger: logger
                ) { push in
                    if case .message(let message) = push { continuation.yield(message) }
                }
                // Subscribe again to everything wanted, including what was asked for while connecting.
                for kind in RedisSubscriptionKind.allCases {
                    guard let channels = self.desired[kind], !channels.isEmpty else { continue }
                    try await connection.send(RESPCommand(kind.subscribeCommand, arguments: Array(channels)))
                }
                self.connected(connection)
                return connection
            } catch {
                self.connectFailed(error)
                throw error
            }
        }
        connecting = task
        return task
    }

    private func connected(_ connection: RedisConnection) {
        connecting = nil
        failures = 0
        if isShutDown {
            connection.close()
            return
        }
        self.connection = connection
        logger.debug("redis subscriber connected")
        if let lostAt {
            self.lostAt = nil
            let gap = ContinuousClock.now - lostAt
            logger.warning("redis subscriber reconnected: messages published while it was disconnected were lost", metadata: [
                "redis.gap_ms": "\(gap.components.seconds * 1000 + gap.components.attoseconds / 1_000_000_000_000_000)",
                "redis.resubscribed": "\(desired.values.reduce(0) { $0 + $1.count })",
            ])
            onConnectionEvent(.resubscribed(after: gap))
        }
        connection.closeFuture.whenComplete { _ in
            Task { await self.connectionClosed(connection) }
        }
    }

    private func connectFailed(_ error: any Error) {
        connecting = nil
        failures += 1
        logger.debug("redis subscriber connection attempt failed", metadata: ["redis.error": "\(error)"])
        scheduleReconnect()
    }

    private func connectionClosed(_ closed: RedisConnection) {
        guard connection === closed else { return }
        connection = nil
        logger.debug("redis subscriber connection lost")
        if !isShutDown, lostAt == nil {
            lostAt = .now
            onConnectionEvent(.lost)
        }
        scheduleReconnect()
    }

    /// Keeps trying (with backoff) while anything is wanted and nobody else is connecting.
    private func scheduleReconnect() {
        guard !isShutDown, connecting == nil, connection == nil,
            desired.values.contains(where: { !$0.isEmpty })
        else { return }
        _ = startConnecting()
    }

    func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        connecting?.cancel()
        connecting = nil
        if let connection { await connection.close() }
        connection = nil
        continuation.finish()
    }
}
