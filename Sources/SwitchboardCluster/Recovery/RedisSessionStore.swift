import ClusterProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RESP
import SocketIO
import SwitchboardJSON

/// A ``SocketIO/SocketIOSessionStore`` in Redis, shared by the nodes of a cluster, so a client can
/// recover its session on any node.
///
/// - A disconnected session is a string key (`SET … PX maxDisconnectionDuration`), taken with `GETDEL`
///   so it is handed out once.
/// - A connected session is a string key too (`SET … PX maxDisconnectionDuration`), written when the
///   socket connects and when its rooms or data change, and kept alive by ``refreshLiveSessions()``
///   (every third of the duration, `PEXPIRE`), so when its node dies without seeing the disconnect
///   (SIGKILL) another node can still recover it until the key expires. A normal disconnect turns it
///   into a disconnected session. No write happens per packet.
/// - A live copy carries its owner (this node's id and a counter). The node changes, saves or deletes
///   it only while the copy in Redis is still its own (one Lua script each): when a client reconnects
///   to another node while this one still holds the old, half-open socket, the other node takes the
///   copy (and writes its own), and this node's later disconnect writes nothing stale.
/// - Every recorded event is appended to the namespace's stream (`XADD … MAXLEN ~ n`), with its offset,
///   its selection and its arguments. Recovery reads the stream backwards from the newest entry until it
///   finds the client's offset, and replays the newer events that reach the session's rooms; an offset
///   no longer in the stream means the session cannot be recovered.
///
/// Writes go through the node's ordered connection, so the stream keeps the order of the emits of one
/// thread.
public final class RedisSessionStore: SocketIOSessionStore {
    let node: ClusterNode
    /// How long a disconnected session is kept.
    public let maxDisconnectionDuration: TimeAmount
    /// How many stream entries one read asks for while looking for an offset.
    let pageSize = 256
    /// The live sessions this node serves, by live session key (refreshed together), with the owner
    /// token their live copy carries.
    private let liveSessions = NIOLockedValueBox([String: LiveCopy]())
    /// The last owner token number handed out.
    private let ownerTokens = NIOLockedValueBox(UInt64(0))

    struct LiveCopy {
        var owner: String
        var session: SocketIOSession
    }

    init(node: ClusterNode, maxDisconnectionDuration: TimeAmount) {
        self.node = node
        self.maxDisconnectionDuration = maxDisconnectionDuration
    }

    private var keyspace: ClusterKeyspace { node.options.keyspace }

    /// Appends the event to the namespace's stream (fire and forget).
    public func recordPacket(namespace: String, offset: String, packet: [JSONValue], options: SocketIOBroadcastOptions) {
        let entry = ClusterRecoveryCodec.encode(ClusterStoredPacket(offset: offset, selection: ClusterSelection(options), packet: packet))
        node.connection.send(RESPCommand(
            "XADD", keyspace.packetStream(namespace: namespace), "MAXLEN", "~", node.options.recoveryStreamMaxLength, "*", "p", entry
        )).whenFailure { [node] error in
            node.logger.debug("recovery event not recorded", metadata: ["redis.error": "\(error)"])
        }
    }

    private var durationMilliseconds: Int { Int(max(1, maxDisconnectionDuration.nanoseconds / 1_000_000)) }

    /// Keeps the session for ``maxDisconnectionDuration`` and drops its live copy, but only while this
    /// node still owns the live copy: if the client reconnected elsewhere meanwhile (the other node took
    /// the copy, and wrote its own), this node's copy is stale and is dropped. A session that never went
    /// live here (taken for a recovery that did not complete) is put back as is.
    public func saveSession(_ session: SocketIOSession) {
        let liveKey = keyspace.liveSessionKey(namespace: session.namespace, pid: session.pid)
        let savedKey = keyspace.sessionKey(namespace: session.namespace, pid: session.pid)
        let encoded = ClusterRecoveryCodec.encode(session)
        guard let owned = liveSessions.withLockedValue({ $0.removeValue(forKey: liveKey) }) else {
            send("recovery session not saved", RESPCommand("SET", savedKey, encoded, "PX", durationMilliseconds))
            return
        }
        // One script: the saved copy appears exactly when the live one goes, so a node restoring
        // meanwhile finds one of the two keys, and a stale copy never appears after another node's.
        let save = RESPCommand(
            "EVAL", Self.saveIfOwnedScript, "2", liveKey, savedKey,
            ClusterRecoveryCodec.liveOwnerPrefix(owned.owner), encoded, durationMilliseconds
        )
        node.connection.send(save).whenComplete { [node] result in
            switch result {
            case .success(let reply) where reply.integer == 0:
                node.logger.debug("stale recovery session dropped: another node took it", metadata: ["socket.pid": "\(session.pid)"])
            case .success:
                break
            case .failure(let error):
                node.logger.debug("recovery session not saved", metadata: ["redis.error": "\(error)"])
            }
        }
    }

    /// Keeps the connected session in Redis for ``maxDisconnectionDuration`` (refreshed while this node
    /// lives), so another node can recover it if this one dies. The first call for a session writes
    /// its live copy with a new owner token; later calls rewrite it only while this node owns it.
    public func sessionChanged(_ session: SocketIOSession) {
        let liveKey = keyspace.liveSessionKey(namespace: session.namespace, pid: session.pid)
        let (owner, isNew) = liveSessions.withLockedValue { sessions in
            if let known = sessions[liveKey] {
                sessions[liveKey] = LiveCopy(owner: known.owner, session: session)
                return (known.owner, false)
            }
            let owner = nextOwnerToken()
            sessions[liveKey] = LiveCopy(owner: owner, session: session)
            return (owner, true)
        }
        let encoded = ClusterRecoveryCodec.encodeLive(session, owner: owner)
        if isNew {
            send("live recovery session not saved", RESPCommand("SET", liveKey, encoded, "PX", durationMilliseconds))
        } else {
            send("live recovery session not saved", RESPCommand(
                "EVAL", Self.replaceIfOwnedScript, "1", liveKey, ClusterRecoveryCodec.liveOwnerPrefix(owner), encoded,
                durationMilliseconds
            ))
        }
    }

    /// Drops the live session of a socket that left for good (unless another node owns it now).
    public func sessionEnded(namespace: String, pid: String) {
        let liveKey = keyspace.liveSessionKey(namespace: namespace, pid: pid)
        guard let owned = liveSessions.withLockedValue({ $0.removeValue(forKey: liveKey) }) else { return }
        send("live recovery session not removed", RESPCommand(
            "EVAL", Self.deleteIfOwnedScript, "1", liveKey, ClusterRecoveryCodec.liveOwnerPrefix(owned.owner)
        ))
    }

    /// Extends the time to live of every live session this node serves (`PEXPIRE`: a session another
    /// node took meanwhile is not written back). ``ClusterNode`` calls it every third of
    /// ``maxDisconnectionDuration``.
    public func refreshLiveSessions() {
        let keys = liveSessions.withLockedValue { Array($0.keys) }
        for key in keys {
            send("live recovery session not refreshed", RESPCommand("PEXPIRE", key, durationMilliseconds))
        }
    }

    /// Writes again the live copy of every session this node serves whose key is missing (`SET … NX`):
    /// a Redis restart without persistence lost them. ``ClusterNode`` calls it after each pub/sub gap.
    /// A copy that another node took is not missing while that node serves the session (only in the
    /// short time between that node ending it and this one seeing its old, half-open socket drop).
    public func restoreMissingLiveSessions() {
        let copies = liveSessions.withLockedValue { $0 }
        for (key, copy) in copies {
            send("live recovery session not rewritten", RESPCommand(
                "SET", key, ClusterRecoveryCodec.encodeLive(copy.session, owner: copy.owner), "PX", durationMilliseconds, "NX"
            ))
        }
    }

    /// A new owner token for a live copy: this node's id and a counter, so two sockets of one session
    /// on this node (the client came back after a detour) are told apart too.
    private func nextOwnerToken() -> String {
        let number = ownerTokens.withLockedValue { counter in
            counter &+= 1
            return counter
        }
        return node.id.rawValue + "/" + String(number)
    }

    /// Whether `KEYS[1]` (a live copy) starts with the owner prefix `ARGV[1]`; shared by the scripts.
    private static let ownedCheck = """
        local live = redis.call('GET', KEYS[1])
        local owned = live and string.sub(live, 1, string.len(ARGV[1])) == ARGV[1]
        """

    /// `KEYS[1]` live copy, `KEYS[2]` saved key, `ARGV`: owner prefix, saved session, time to live (ms).
    /// Returns 1 if saved, 0 if another owner holds (or took) the live copy.
    static let saveIfOwnedScript = ownedCheck + """

        if not owned then return 0 end
        redis.call('DEL', KEYS[1])
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        return 1
        """

    /// `KEYS[1]` live copy, `ARGV`: owner prefix, new live copy, time to live (ms).
    static let replaceIfOwnedScript = ownedCheck + """

        if not owned then return 0 end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """

    /// `KEYS[1]` live copy, `ARGV[1]` owner prefix.
    static let deleteIfOwnedScript = ownedCheck + """

        if not owned then return 0 end
        redis.call('DEL', KEYS[1])
        return 1
        """

    /// How many live sessions this node serves.
    var liveSessionCount: Int { liveSessions.withLockedValue { $0.count } }

    private func send(_ failure: Logger.Message, _ command: RESPCommand) {
        node.connection.send(command).whenFailure { [node] error in
            node.logger.debug(failure, metadata: ["redis.error": "\(error)"])
        }
    }

    /// Takes the session out of Redis and collects the events it missed; `nil` when the session is
    /// unknown or expired, its offset is no longer in the stream, or Redis cannot be reached.
    public func restoreSession(
        namespace: String, pid: String, offset: String,
        completion: @escaping @Sendable (SocketIORecoveredSession?) -> Void
    ) {
        Task {
            completion(await restore(namespace: namespace, pid: pid, offset: offset))
        }
    }

    func restore(namespace: String, pid: String, offset: String) async -> SocketIORecoveredSession? {
        do {
            guard let session = try await takeSession(namespace: namespace, pid: pid) else { return nil }
            guard let newer = try await packets(after: offset, namespace: namespace) else { return nil }
            let missed = newer.filter { $0.selection.reaches(rooms: session.rooms) }.map(\.packet)
            return SocketIORecoveredSession(session: session, missedPackets: missed)
        } catch {
            node.logger.debug("recovery failed", metadata: ["redis.error": "\(error)", "socket.nsp": "\(namespace)"])
            return nil
        }
    }

    /// The saved session, or else the live session of a node that may have died (the one node that
    /// takes a key gets it); `nil` if neither exists.
    private func takeSession(namespace: String, pid: String) async throws -> SocketIOSession? {
        let saved = RESPCommand("GETDEL", keyspace.sessionKey(namespace: namespace, pid: pid))
        if let bytes = try await node.connection.send(saved).get().bytes { return try ClusterRecoveryCodec.decodeSession(bytes) }
        let live = RESPCommand("GETDEL", keyspace.liveSessionKey(namespace: namespace, pid: pid))
        if let bytes = try await node.connection.send(live).get().bytes {
            return try ClusterRecoveryCodec.decodeLiveSession(bytes).session
        }
        // Its node may have saved it between the two reads (one script swaps the live key for the saved one).
        return try await node.connection.send(saved).get().bytes.map(ClusterRecoveryCodec.decodeSession)
    }

    /// The stream's events after the one with `offset`, oldest first; `nil` if `offset` is not in the stream.
    private func packets(after offset: String, namespace: String) async throws -> [ClusterStoredPacket]? {
        let stream = keyspace.packetStream(namespace: namespace)
        var newerFirst: [ClusterStoredPacket] = []
        var end = "+"
        while true {
            let reply = try await node.connection.send(RESPCommand("XREVRANGE", stream, end, "-", "COUNT", pageSize)).get()
            guard let entries = reply.elements, !entries.isEmpty else { return nil }
            for entry in entries {
                guard let parts = entry.elements, parts.count == 2, let id = parts[0].string,
                    let fields = parts[1].elements, fields.count >= 2, let bytes = fields[1].bytes
                else { continue }
                let packet = try ClusterRecoveryCodec.decodePacket(bytes)
                if packet.offset == offset { return newerFirst.reversed() }
                newerFirst.append(packet)
                end = "(" + id
            }
            if entries.count < pageSize { return nil }
        }
    }
}
