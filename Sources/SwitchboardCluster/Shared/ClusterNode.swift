import ClusterProtocol
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RESP
import ServiceLifecycle
import SocketIO
import SwitchboardRedis

/// One server process's membership in a cluster: its Redis connections (one ordered connection for
/// publishing and commands, one subscriber), the namespaces' ``RedisClusterAdapter``s, and the requests
/// it is waiting on.
///
/// Pub/sub is at-most-once: while the subscriber's connection is down, whatever other nodes publish is
/// lost for this node. The subscriber reconnects and subscribes again to every channel; the node logs
/// the gap and counts it (`switchboard_cluster_pubsub_reconnects_total`, and its length in
/// `switchboard_cluster_pubsub_gap_seconds`). Requests that waited for
/// answers during the gap end at their timeout.
///
/// ```swift
/// var configuration = SocketIOServer.Configuration(connectionStateRecovery: .init())
/// let node = try await ClusterNode.join(redis: RedisConfiguration(url: url), configuration: &configuration, logger: logger)
/// let io = SocketIOServer(configuration: configuration, logger: logger)
/// // run `node` in the ServiceGroup next to the HTTP server (or call `await node.shutdown()`)
/// ```
public final class ClusterNode: Service, Sendable {
    /// This node's id.
    public let id: ClusterNodeID
    /// The options the node joined with.
    public let options: ClusterOptions
    let logger: Logger
    let eventLoopGroup: any EventLoopGroup
    let connection: OrderedRedisConnection
    let subscriber: RedisSubscriber
    let requests: ClusterRequests
    private let adapters = NIOLockedValueBox([String: RedisClusterAdapter]())
    private let subscriptionChanges: AsyncStream<SubscriptionChange>.Continuation
    private let tasks = NIOLockedValueBox([Task<Void, Never>]())
    private let broadcastIDs = NIOLockedValueBox(UInt64(0))
    /// Channels whose subscription Redis confirmed (and that were not unsubscribed since).
    private let confirmedChannels = NIOLockedValueBox(Set<String>())
    /// Keeps the live recovery sessions of this node's sockets from expiring.
    private let liveSessionRefresh = NIOLockedValueBox<RepeatedTask?>(nil)
    /// Whether the subscriber's connection is down (between ``RedisSubscriber/ConnectionEvent/lost``
    /// and ``RedisSubscriber/ConnectionEvent/resubscribed(after:)``): this node receives nothing then.
    private let subscriberDown: NIOLockedValueBox<Bool>
    /// `switchboard_cluster_pubsub_reconnects_total`: how often the subscriber lost its connection and
    /// subscribed again (each time, messages published meanwhile were lost).
    let pubsubReconnects: Counter
    /// `switchboard_cluster_pubsub_gap_seconds`: how long each of those gaps lasted.
    let pubsubGaps: Metrics.Timer
    /// Called after each pub/sub gap (Redis may have restarted and lost its keys).
    private let afterGapHandlers: NIOLockedValueBox<[@Sendable () -> Void]>

    enum SubscriptionChange: Sendable {
        case subscribe(String)
        case unsubscribe(String)
    }

    /// Connects to Redis, installs the cluster adapter (and, when `configuration` enables connection
    /// state recovery, the Redis session store) into `configuration`, and returns the node. Create the
    /// ``SocketIO/SocketIOServer`` from `configuration` afterwards.
    ///
    /// - Throws: ``SwitchboardRedis/RedisError`` if Redis cannot be reached.
    public static func join(
        redis: RedisConfiguration,
        configuration: inout SocketIOServer.Configuration,
        options: ClusterOptions = ClusterOptions(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "switchboard.cluster")
    ) async throws(RedisError) -> ClusterNode {
        let node = ClusterNode(redis: redis, options: options, eventLoopGroup: eventLoopGroup, logger: logger)
        do {
            try await node.subscriber.subscribe(to: [options.keyspace.nodeChannel(node.id)])
        } catch {
            await node.shutdown()
            throw error
        }
        configuration.adapterFactory = { context in RedisClusterAdapter(context: context, node: node) }
        if let recovery = configuration.connectionStateRecovery {
            let store = RedisSessionStore(node: node, maxDisconnectionDuration: recovery.maxDisconnectionDuration)
            configuration.connectionStateRecovery = SocketIOConnectionStateRecovery(
                maxDisconnectionDuration: recovery.maxDisconnectionDuration,
                skipMiddlewares: recovery.skipMiddlewares,
                store: store
            )
            let period = TimeAmount.nanoseconds(max(recovery.maxDisconnectionDuration.nanoseconds / 3, 1_000_000))
            let refresh = eventLoopGroup.next().scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
                store.refreshLiveSessions()
            }
            node.liveSessionRefresh.withLockedValue { $0 = refresh }
            node.afterGapHandlers.withLockedValue { $0.append { store.restoreMissingLiveSessions() } }
        }
        logger.info("joined the cluster", metadata: ["cluster.node": "\(node.id)", "redis.host": "\(redis.host):\(redis.port)"])
        return node
    }

    /// Joins with a Redis URL (`redis://[[user]:password@]host[:port][/database]`); see
    /// ``join(redis:configuration:options:eventLoopGroup:logger:)``.
    public static func join(
        redisURL: String,
        configuration: inout SocketIOServer.Configuration,
        options: ClusterOptions = ClusterOptions(),
        logger: Logger = Logger(label: "switchboard.cluster")
    ) async throws(RedisError) -> ClusterNode {
        try await join(redis: RedisConfiguration(url: redisURL), configuration: &configuration, options: options, logger: logger)
    }

    init(redis: RedisConfiguration, options: ClusterOptions, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        var logger = logger
        logger[metadataKey: "cluster.node"] = "\(options.nodeID)"
        self.id = options.nodeID
        self.options = options
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.connection = OrderedRedisConnection(configuration: redis, eventLoopGroup: eventLoopGroup, logger: logger)
        let subscriberDown = NIOLockedValueBox(false)
        let afterGapHandlers = NIOLockedValueBox([@Sendable () -> Void]())
        self.afterGapHandlers = afterGapHandlers
        let metrics = options.metricsFactory ?? MetricsSystem.factory
        let reconnects = Counter(label: "switchboard_cluster_pubsub_reconnects_total", factory: metrics)
        let gaps = Metrics.Timer(label: "switchboard_cluster_pubsub_gap_seconds", factory: metrics)
        self.subscriberDown = subscriberDown
        self.pubsubReconnects = reconnects
        self.pubsubGaps = gaps
        self.subscriber = RedisSubscriber(configuration: redis, eventLoopGroup: eventLoopGroup, logger: logger) { event in
            switch event {
            case .lost:
                subscriberDown.withLockedValue { $0 = true }
            case .resubscribed(let gap):
                // The subscriber logged the gap; broadcasts and requests of other nodes sent meanwhile
                // never arrived here (requests waiting on this node's answers timed out).
                subscriberDown.withLockedValue { $0 = false }
                reconnects.increment()
                gaps.record(duration: gap)
                for handler in afterGapHandlers.withLockedValue({ $0 }) { handler() }
            }
        }
        self.requests = ClusterRequests(eventLoopGroup: eventLoopGroup)
        let (changes, continuation) = AsyncStream.makeStream(of: SubscriptionChange.self)
        self.subscriptionChanges = continuation
        let subscriber = subscriber
        let confirmedChannels = confirmedChannels
        let receive = Task { [weak self] in
            for await message in subscriber.messages {
                self?.receive(message.payload)
            }
        }
        let subscribe = Task {
            for await change in changes {
                do {
                    switch change {
                    case .subscribe(let channel):
                        try await subscriber.subscribe(to: [channel])
                        confirmedChannels.withLockedValue { _ = $0.insert(channel) }
                    case .unsubscribe(let channel):
                        confirmedChannels.withLockedValue { _ = $0.remove(channel) }
                        try await subscriber.unsubscribe(from: [channel])
                    }
                } catch {
                    // The subscriber remembers the wish and applies it after reconnecting.
                    logger.debug("cluster subscription change deferred", metadata: ["redis.error": "\(error)"])
                }
            }
        }
        tasks.withLockedValue { $0 = [receive, subscribe] }
    }

    /// Waits for graceful shutdown (or cancellation), then leaves the cluster.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Leaves the cluster: closes the Redis connections; pending requests time out.
    public func shutdown() async {
        liveSessionRefresh.withLockedValue { $0?.cancel() }
        subscriptionChanges.finish()
        await subscriber.shutdown()
        await connection.shutdown()
        let tasks = tasks.withLockedValue { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in tasks { await task.value }
    }

    // MARK: For the adapters

    func register(_ adapter: RedisClusterAdapter, namespace: String) {
        adapters.withLockedValue { adapters in
            adapters[namespace] = adapter
            // Under the lock, so a namespace removed and created again ends up subscribed.
            subscribe(options.keyspace.namespaceChannel(namespace))
        }
    }

    /// Forgets the adapter of a removed namespace and unsubscribes from the namespace channel (unless
    /// a newer adapter of the same name took its place).
    func unregister(_ adapter: RedisClusterAdapter, namespace: String) {
        adapters.withLockedValue { adapters in
            guard adapters[namespace] === adapter else { return }
            adapters[namespace] = nil
            unsubscribe(options.keyspace.namespaceChannel(namespace))
        }
    }

    /// Subscribes in the order of the calls (a later unsubscribe of the same channel wins).
    func subscribe(_ channel: String) { subscriptionChanges.yield(.subscribe(channel)) }

    func unsubscribe(_ channel: String) { subscriptionChanges.yield(.unsubscribe(channel)) }

    /// Whether this node's subscription to `channel` is confirmed, so a `PUBLISH` there counts this
    /// node among its receivers.
    func isSubscribed(to channel: String) -> Bool {
        !subscriberDown.withLockedValue { $0 } && confirmedChannels.withLockedValue { $0.contains(channel) }
    }

    func nextBroadcastID() -> UInt64 {
        broadcastIDs.withLockedValue { id in
            id &+= 1
            return id
        }
    }

    /// Publishes `envelope` on `channel`; the future has the number of subscribers that received it.
    @discardableResult
    func publish(_ envelope: ClusterEnvelope, to channel: String) -> EventLoopFuture<RESPValue> {
        publish(ClusterMessageCodec.encode(envelope), to: channel)
    }

    @discardableResult
    func publish(_ bytes: ByteBuffer, to channel: String) -> EventLoopFuture<RESPValue> {
        connection.send(RESPCommand("PUBLISH", channel, bytes))
    }

    /// Sends an answer to the node that asked.
    func answer(_ message: ClusterMessage, namespace: String, to node: ClusterNodeID) {
        publish(ClusterEnvelope(sender: id, namespace: namespace, message: message), to: options.keyspace.nodeChannel(node))
    }

    // MARK: Incoming

    private func receive(_ payload: ByteBuffer) {
        let envelope: ClusterEnvelope
        do {
            envelope = try ClusterMessageCodec.decode(payload)
        } catch {
            logger.warning("cluster message dropped", metadata: ["cluster.error": "\(error)"])
            return
        }
        guard envelope.sender != id else { return }
        switch envelope.message {
        case .clientCount(let requestID, let count):
            requests.receive(requestID, from: envelope.sender, .count(count))
        case .broadcastAck(let requestID, let arguments):
            requests.ack(requestID, arguments: arguments)
        case .fetchSocketsResponse(let requestID, let sockets):
            requests.receive(requestID, from: envelope.sender, .sockets(sockets))
        case .serverSideEmitResponse(let requestID, let arguments):
            requests.receive(requestID, from: envelope.sender, .arguments(arguments))
        case .broadcast, .socketsJoin, .socketsLeave, .disconnectSockets, .fetchSockets, .serverSideEmit:
            let adapter = adapters.withLockedValue { $0[envelope.namespace] }
            adapter?.handle(envelope)
        }
    }
}
