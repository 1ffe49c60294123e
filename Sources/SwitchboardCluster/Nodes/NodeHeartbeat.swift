import ClusterProtocol
import Logging
import NIOConcurrencyHelpers
import SwitchboardRedis

/// One node's heartbeat and its watch over the others (``NodeLivenessStateMachine`` on Redis).
///
/// Each ``beat()`` refreshes this node's heartbeat key with its time to live (`SET … PX`), keeps it in
/// the member set, then reads every member's heartbeat key (`MGET`). A member whose key expired is dead:
/// every node releases what it forwarded to it, and the one node that wins the cleanup lock
/// (`SET … NX PX`) removes the dead node's sessions from the registry, calls the death handlers (other
/// cluster-wide state, e.g. the adapter's) and removes it from the member set.
final class NodeHeartbeat: Sendable {
    let nodeID: ClusterNodeID
    let keyspace: ClusterKeyspace
    let redis: RedisClient
    let timeToLive: Duration
    let logger: Logger
    private let machine: NIOLockedValueBox<NodeLivenessStateMachine>
    /// Called on every node when a node dies (release local state tied to it).
    let onNodeLost: @Sendable (ClusterNodeID) async -> Void
    /// Called on the one node that cleans up after a dead node (remove its cluster-wide state).
    let onCleanup: @Sendable (ClusterNodeID) async -> Void
    /// Called when our own heartbeat had lapsed (register our state again).
    let onReregister: @Sendable () async -> Void

    init(
        nodeID: ClusterNodeID, keyspace: ClusterKeyspace, redis: RedisClient, timeToLive: Duration, logger: Logger,
        onNodeLost: @escaping @Sendable (ClusterNodeID) async -> Void,
        onCleanup: @escaping @Sendable (ClusterNodeID) async -> Void,
        onReregister: @escaping @Sendable () async -> Void
    ) {
        self.nodeID = nodeID
        self.keyspace = keyspace
        self.redis = redis
        self.timeToLive = timeToLive
        self.logger = logger
        self.machine = NIOLockedValueBox(NodeLivenessStateMachine(selfID: nodeID))
        self.onNodeLost = onNodeLost
        self.onCleanup = onCleanup
        self.onReregister = onReregister
    }

    var timeToLiveMilliseconds: Int { Int(timeToLive.milliseconds) }

    /// The other nodes currently believed alive.
    var liveNodes: Set<ClusterNodeID> { machine.withLockedValue { $0.liveNodes } }

    /// One heartbeat and observation; throws when Redis cannot be reached.
    func beat() async throws(RedisError) {
        // Observe before refreshing, so that a lapse of our own key is noticed.
        let members = try await redis.send(RESPCommand("SMEMBERS", keyspace.nodesKey)).elements?
            .compactMap { $0.string.map(ClusterNodeID.init) } ?? []
        var alive: Set<ClusterNodeID> = []
        if !members.isEmpty {
            let keys = members.map { keyspace.nodeHeartbeatKey($0) }
            let values = try await redis.send(RESPCommand("MGET", arguments: keys)).elements ?? []
            for (member, value) in zip(members, values) where !value.isNull { alive.insert(member) }
        }
        try await redis.send(RESPCommand("SET", keyspace.nodeHeartbeatKey(nodeID), "1", "PX", timeToLiveMilliseconds))
        try await redis.send(RESPCommand("SADD", keyspace.nodesKey, nodeID.rawValue))
        // The first observation may precede our first refresh: don't count that as a lapse.
        let isFirst = !members.contains(nodeID)
        if isFirst { alive.insert(nodeID) }
        let actions = machine.withLockedValue { $0.observed(members: Set(members), alive: alive) }
        for action in actions {
            switch action {
            case .nodeJoined(let node):
                logger.info("cluster node joined", metadata: ["cluster.node": "\(node)"])
            case .nodeDied(let node):
                logger.warning("cluster node died", metadata: ["cluster.node": "\(node)"])
                await onNodeLost(node)
                try await cleanUp(after: node)
            case .reregisterSelf:
                logger.warning("our cluster heartbeat had lapsed; registering again", metadata: ["cluster.node": "\(nodeID)"])
                await onReregister()
            }
        }
    }

    private func cleanUp(after node: ClusterNodeID) async throws(RedisError) {
        let claim = try await redis.send(
            RESPCommand("SET", keyspace.nodeCleanupKey(node), nodeID.rawValue, "NX", "PX", 30_000))
        guard !claim.isNull else { return }
        await onCleanup(node)
        try await redis.send(RESPCommand("SREM", keyspace.nodesKey, node.rawValue))
        logger.info("cleaned up after a dead cluster node", metadata: ["cluster.node": "\(node)"])
    }

    /// Leaves the cluster on graceful shutdown: the heartbeat key and the membership go at once.
    func leave() async {
        _ = try? await redis.send(RESPCommand("DEL", keyspace.nodeHeartbeatKey(nodeID)))
        _ = try? await redis.send(RESPCommand("SREM", keyspace.nodesKey, nodeID.rawValue))
    }
}
