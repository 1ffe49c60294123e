import ClusterProtocol
import NIOCore
import SwitchboardRedis

/// The cluster-wide registry of Engine.IO sessions in Redis: `sid → owner node`.
///
/// Each entry (``ClusterKeyspace/engineSessionKey(_:)``) holds the owner's node id and expires unless the
/// owner refreshes it (``refresh(_:)``); the owner also lists its sessions in
/// ``ClusterKeyspace/nodeSessionsKey(_:)``, so that when it dies another node removes them at once
/// (``removeSessions(of:)``) instead of waiting for the expiry.
public struct SessionRegistry: Sendable {
    /// Where the registry lives.
    public let redis: RedisClient
    /// The key names.
    public let keyspace: ClusterKeyspace
    /// How long an entry lives without a refresh.
    public let timeToLive: Duration

    /// Refreshes the expiry of every key in KEYS that still names ARGV[2] as its owner.
    static let refreshScript = """
        local n = 0
        for _, key in ipairs(KEYS) do
          if redis.call('GET', key) == ARGV[2] then redis.call('PEXPIRE', key, ARGV[1]); n = n + 1 end
        end
        return n
        """

    /// Removes every session of node ARGV[1] listed in KEYS[1] (those still naming it), then the list.
    static let removeScript = """
        local sids = redis.call('SMEMBERS', KEYS[1])
        local n = 0
        for _, sid in ipairs(sids) do
          local key = ARGV[2] .. sid
          if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key); n = n + 1 end
        end
        redis.call('DEL', KEYS[1])
        return n
        """

    /// Creates a registry.
    public init(redis: RedisClient, keyspace: ClusterKeyspace, timeToLive: Duration = .seconds(60)) {
        self.redis = redis
        self.keyspace = keyspace
        self.timeToLive = timeToLive
    }

    private var timeToLiveMilliseconds: Int64 { timeToLive.milliseconds }

    /// Records that `node` owns `sid`.
    public func register(_ sid: String, owner node: ClusterNodeID) async throws(RedisError) {
        async let entry = redis.send(
            RESPCommand("SET", keyspace.engineSessionKey(sid), node.rawValue, "PX", Int(timeToLiveMilliseconds)))
        async let listed = redis.send(RESPCommand("SADD", keyspace.nodeSessionsKey(node), sid))
        do {
            _ = try await (entry, listed)
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(code: .connectionClosed, message: "\(error)", underlying: error)
        }
    }

    /// Forgets `sid` (its session ended on `node`).
    public func unregister(_ sid: String, owner node: ClusterNodeID) async throws(RedisError) {
        try await redis.send(RESPCommand("DEL", keyspace.engineSessionKey(sid)))
        try await redis.send(RESPCommand("SREM", keyspace.nodeSessionsKey(node), sid))
    }

    /// The node that owns `sid`, or `nil` when no live node does.
    public func owner(of sid: String) async throws(RedisError) -> ClusterNodeID? {
        let reply = try await redis.send(RESPCommand("GET", keyspace.engineSessionKey(sid)))
        return reply.string.map(ClusterNodeID.init)
    }

    /// Pushes back the expiry of `node`'s entries for `sids` (in batches of `batchSize`); entries that
    /// no longer name `node` are left alone. Returns how many were refreshed.
    @discardableResult
    public func refresh(_ sids: [String], owner node: ClusterNodeID, batchSize: Int = 500) async throws(RedisError) -> Int {
        var refreshed = 0
        var start = 0
        while start < sids.count {
            let batch = sids[start..<min(start + batchSize, sids.count)]
            start += batch.count
            var arguments = ["EVAL", Self.refreshScript, String(batch.count)]
            arguments.append(contentsOf: batch.map(keyspace.engineSessionKey))
            arguments.append(String(timeToLiveMilliseconds))
            arguments.append(node.rawValue)
            let reply = try await redis.send(RESPCommand(arguments[0], arguments: arguments.dropFirst()))
            refreshed += Int(reply.integer ?? 0)
        }
        return refreshed
    }

    /// Registers every session in `sids` for `node` again (after our own heartbeat lapsed and another
    /// node may have removed them).
    public func registerAll(_ sids: [String], owner node: ClusterNodeID) async throws(RedisError) {
        for sid in sids { try await register(sid, owner: node) }
    }

    /// Removes every session `node` registered (it died). Returns how many entries were removed.
    @discardableResult
    public func removeSessions(of node: ClusterNodeID) async throws(RedisError) -> Int {
        let reply = try await redis.send(
            RESPCommand(
                "EVAL", Self.removeScript, "1", keyspace.nodeSessionsKey(node), node.rawValue, keyspace.engineSessionKey("")))
        return Int(reply.integer ?? 0)
    }
}
