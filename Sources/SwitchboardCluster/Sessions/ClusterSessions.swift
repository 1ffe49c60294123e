import ClusterProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwitchboardRedis
import SwitchboardTransport

/// Settings of ``ClusterSessions``.
public struct ClusterSessionsConfiguration: Sendable {
    /// The Redis server every node of the cluster uses.
    public var redis: RedisConfiguration
    /// This process's id in the cluster (default: random, new on every start).
    public var nodeID: ClusterNodeID
    /// The prefix of every Redis key and channel (default `switchboard`).
    public var keyspace: ClusterKeyspace
    /// How often the node refreshes its heartbeat and looks at the others. Default 1 s.
    public var heartbeatInterval: Duration
    /// How long a node's heartbeat key lives without a refresh: a node silent for that long is dead.
    /// Default 5 s.
    public var nodeTimeToLive: Duration
    /// How long a session's registry entry lives without a refresh (the owner refreshes it every third
    /// of that). Default 60 s.
    public var sessionTimeToLive: Duration
    /// How long a node that forwarded a polling request waits for the owner's answer before answering
    /// `400 Session ID unknown` itself; longer than the ping interval plus the ping timeout. Default 60 s.
    public var forwardTimeout: Duration

    /// Creates a configuration; only the Redis server is required.
    public init(
        redis: RedisConfiguration, nodeID: ClusterNodeID = .random(), keyspace: ClusterKeyspace = ClusterKeyspace(),
        heartbeatInterval: Duration = .seconds(1), nodeTimeToLive: Duration = .seconds(5),
        sessionTimeToLive: Duration = .seconds(60), forwardTimeout: Duration = .seconds(60)
    ) {
        self.redis = redis
        self.nodeID = nodeID
        self.keyspace = keyspace
        self.heartbeatInterval = heartbeatInterval
        self.nodeTimeToLive = nodeTimeToLive
        self.sessionTimeToLive = sessionTimeToLive
        self.forwardTimeout = forwardTimeout
    }
}

/// Makes the Engine.IO sessions of this process reachable from every node of a cluster, without
/// sticky sessions, and watches the other nodes' liveness.
///
/// Creating it installs a ``RemoteSessionRouter`` on the engine server: sessions are registered in Redis
/// (``SessionRegistry``), and a request or WebSocket upgrade for a session another node owns is relayed
/// to that node over Redis pub/sub. Run it (in the same `ServiceGroup` as the HTTP server) to read the
/// forwarded requests, refresh the registry and the heartbeat, and clean up after dead nodes.
///
/// ```swift
/// let sessions = try ClusterSessions(configuration: .init(redis: RedisConfiguration(url: url)), http: server.http, logger: logger)
/// try await ServiceGroup(services: [server, sessions], logger: logger).run()
/// ```
public final class ClusterSessions: Service, Sendable {
    /// The configuration.
    public let configuration: ClusterSessionsConfiguration
    /// The session registry.
    public let registry: SessionRegistry
    let forwarder: SessionForwarder
    let heartbeat: NodeHeartbeat
    let redis: RedisClient
    let subscriber: RedisSubscriber
    let publisher: OrderedRedisConnection
    /// Whether `publisher` is ours to close (not shared with a ``ClusterNode``).
    let ownsPublisher: Bool
    let engine: EngineServer
    let logger: Logger
    private let deathHandlers = NIOLockedValueBox<[@Sendable (ClusterNodeID) async -> Void]>([])

    /// This node's id.
    public var nodeID: ClusterNodeID { configuration.nodeID }

    /// Joins `engine` to the cluster (installs its ``EngineServer/remoteSessionRouter``).
    public convenience init(
        configuration: ClusterSessionsConfiguration, engine: EngineServer,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.init(configuration: configuration, engine: engine, publisher: nil, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Joins the Engine.IO server of `http` (the first one mounted) to the cluster `node` belongs to:
    /// same node id and keyspace, and the node's ordered connection for publishing. `redis` is the
    /// server the node joined with; `configuration`'s own Redis server, node id and keyspace are replaced.
    public convenience init(
        node: ClusterNode, redis: RedisConfiguration, http: HTTPServer,
        configuration: ClusterSessionsConfiguration? = nil, logger: Logger
    ) throws {
        var configuration = configuration ?? ClusterSessionsConfiguration(redis: redis)
        configuration.redis = redis
        configuration.nodeID = node.id
        configuration.keyspace = node.options.keyspace
        self.init(
            configuration: configuration, engine: try Self.engine(of: http), publisher: node.connection,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
    }

    init(
        configuration: ClusterSessionsConfiguration, engine: EngineServer, publisher: OrderedRedisConnection?,
        eventLoopGroup: any EventLoopGroup, logger: Logger
    ) {
        self.configuration = configuration
        self.engine = engine
        var nodeLogger = logger
        nodeLogger[metadataKey: "cluster.node"] = "\(configuration.nodeID)"
        let logger = nodeLogger
        self.logger = logger
        let redis = RedisClient(configuration: configuration.redis, eventLoopGroup: eventLoopGroup, logger: logger)
        self.redis = redis
        self.subscriber = RedisSubscriber(configuration: configuration.redis, eventLoopGroup: eventLoopGroup, logger: logger)
        self.ownsPublisher = publisher == nil
        let publisher = publisher ?? OrderedRedisConnection(configuration: configuration.redis, eventLoopGroup: eventLoopGroup, logger: logger)
        self.publisher = publisher
        let registry = SessionRegistry(redis: redis, keyspace: configuration.keyspace, timeToLive: configuration.sessionTimeToLive)
        self.registry = registry
        let forwarder = SessionForwarder(
            nodeID: configuration.nodeID, keyspace: configuration.keyspace, registry: registry, publisher: publisher,
            engine: engine, forwardTimeoutMilliseconds: configuration.forwardTimeout.milliseconds, logger: logger)
        self.forwarder = forwarder
        let handlers = deathHandlers
        let nodeID = configuration.nodeID
        self.heartbeat = NodeHeartbeat(
            nodeID: configuration.nodeID, keyspace: configuration.keyspace, redis: redis,
            timeToLive: configuration.nodeTimeToLive, logger: logger,
            onNodeLost: { node in forwarder.nodeLost(node) },
            onCleanup: { node in
                do {
                    let removed = try await registry.removeSessions(of: node)
                    logger.info("removed the sessions of a dead node", metadata: ["cluster.node": "\(node)", "cluster.sessions": "\(removed)"])
                } catch {
                    logger.warning("cannot remove the sessions of a dead node", metadata: ["redis.error": "\(error)"])
                }
                for handler in handlers.withLockedValue({ $0 }) { await handler(node) }
            },
            onReregister: { try? await registry.registerAll(engine.registeredSessionIDs, owner: nodeID) })
        engine.remoteSessionRouter = forwarder
    }

    /// Joins the Engine.IO server of `http` (the first one mounted) to the cluster.
    public convenience init(configuration: ClusterSessionsConfiguration, http: HTTPServer, logger: Logger) throws {
        self.init(configuration: configuration, engine: try Self.engine(of: http), logger: logger)
    }

    private static func engine(of http: HTTPServer) throws -> EngineServer {
        guard let engine = http.mountedEngineServers.first else {
            throw ClusterSessionsError(message: "the HTTP server has no Engine.IO endpoint")
        }
        return engine
    }

    /// Adds a handler that the one node cleaning up after a dead node calls (after removing its sessions
    /// from the registry), e.g. to remove the dead node's rooms or presence.
    public func onNodeDeath(_ handler: @escaping @Sendable (ClusterNodeID) async -> Void) {
        deathHandlers.withLockedValue { $0.append(handler) }
    }

    /// The other nodes currently believed alive.
    public var liveNodes: Set<ClusterNodeID> { heartbeat.liveNodes }

    /// Reads forwarded requests, beats, refreshes the registry and expires stale forwards until graceful
    /// shutdown; then leaves the cluster and closes its Redis connections.
    public func run() async throws {
        try await subscriber.subscribe(to: [forwarder.channel])
        try? await heartbeat.beat()
        logger.info("joined the cluster", metadata: ["cluster.node": "\(nodeID)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [subscriber, forwarder] in
                for await message in subscriber.messages { forwarder.received(message.payload) }
            }
            group.addTask { [self] in await every(configuration.heartbeatInterval) { try? await self.heartbeat.beat() } }
            group.addTask { [self] in
                await every(configuration.sessionTimeToLive / 3) {
                    _ = try? await self.registry.refresh(self.engine.registeredSessionIDs, owner: self.nodeID)
                }
            }
            group.addTask { [self] in await every(.seconds(1)) { self.forwarder.expireForwards() } }
            try? await gracefulShutdown()
            await heartbeat.leave()
            await subscriber.shutdown()
            group.cancelAll()
        }
        if ownsPublisher { await publisher.shutdown() }
        await redis.shutdown()
    }

    private func every(_ interval: Duration, _ body: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            await body()
        }
    }
}

/// ``ClusterSessions`` cannot be set up as asked.
public struct ClusterSessionsError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// `ClusterSessionsError: <message>`.
    public var description: String { "ClusterSessionsError: \(message)" }
}

extension Duration {
    /// The duration in whole milliseconds (Redis `PX` arguments, clocks in milliseconds).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
