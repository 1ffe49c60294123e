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
    /// The live sessions this node serves, by live session key (refreshed together).
    private let liveSessions = NIOLockedValueBox([String: SocketIOSession]())

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

    /// Keeps the session for ``maxDisconnectionDuration`` (and drops its live copy).
    public func saveSession(_ session: SocketIOSession) {
        let liveKey = keyspace.liveSessionKey(namespace: session.namespace, pid: session.pid)
        liveSessions.withLockedValue { _ = $0.removeValue(forKey: liveKey) }
        send("recovery session not saved", RESPCommand(
            "SET", keyspace.sessionKey(namespace: session.namespace, pid: session.pid), ClusterRecoveryCodec.encode(session),
            "PX", durationMilliseconds
        ))
        // After the SET: a node restoring meanwhile finds one of the two keys.
        send("live recovery session not removed", RESPCommand("DEL", liveKey))
    }

    /// Keeps the connected session in Redis for ``maxDisconnectionDuration`` (refreshed while this node
    /// lives), so another node can recover it if this one dies.
    public func sessionChanged(_ session: SocketIOSession) {
        let liveKey = keyspace.liveSessionKey(namespace: session.namespace, pid: session.pid)
        liveSessions.withLockedValue { $0[liveKey] = session }
        send("live recovery session not saved", RESPCommand(
            "SET", liveKey, ClusterRecoveryCodec.encode(session), "PX", durationMilliseconds
        ))
    }

    /// Drops the live session of a socket that left for good.
    public func sessionEnded(namespace: String, pid: String) {
        let liveKey = keyspace.liveSessionKey(namespace: namespace, pid: pid)
        liveSessions.withLockedValue { _ = $0.removeValue(forKey: liveKey) }
        send("live recovery session not removed", RESPCommand("DEL", liveKey))
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
            guard let bytes = try await takeSession(namespace: namespace, pid: pid) else { return nil }
            let session = try ClusterRecoveryCodec.decodeSession(bytes)
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
    private func takeSession(namespace: String, pid: String) async throws -> ByteBuffer? {
        let saved = RESPCommand("GETDEL", keyspace.sessionKey(namespace: namespace, pid: pid))
        if let bytes = try await node.connection.send(saved).get().bytes { return bytes }
        let live = RESPCommand("GETDEL", keyspace.liveSessionKey(namespace: namespace, pid: pid))
        if let bytes = try await node.connection.send(live).get().bytes { return bytes }
        // Its node may have saved it between the two reads (it writes the saved key first).
        return try await node.connection.send(saved).get().bytes
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
