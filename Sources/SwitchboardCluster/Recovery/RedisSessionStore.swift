import ClusterProtocol
import NIOCore
import RESP
import SocketIO
import SwitchboardJSON

/// A ``SocketIO/SocketIOSessionStore`` in Redis, shared by the nodes of a cluster, so a client can
/// recover its session on any node.
///
/// - A disconnected session is a string key (`SET … PX maxDisconnectionDuration`), taken with `GETDEL`
///   so it is handed out once.
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

    /// Keeps the session for ``maxDisconnectionDuration``.
    public func saveSession(_ session: SocketIOSession) {
        let milliseconds = Int(max(1, maxDisconnectionDuration.nanoseconds / 1_000_000))
        node.connection.send(RESPCommand(
            "SET", keyspace.sessionKey(namespace: session.namespace, pid: session.pid), ClusterRecoveryCodec.encode(session),
            "PX", milliseconds
        )).whenFailure { [node] error in
            node.logger.debug("recovery session not saved", metadata: ["redis.error": "\(error)"])
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
            let reply = try await node.connection.send(RESPCommand("GETDEL", keyspace.sessionKey(namespace: namespace, pid: pid))).get()
            guard let bytes = reply.bytes else { return nil }
            let session = try ClusterRecoveryCodec.decodeSession(bytes)
            guard let newer = try await packets(after: offset, namespace: namespace) else { return nil }
            let missed = newer.filter { $0.selection.reaches(rooms: session.rooms) }.map(\.packet)
            return SocketIORecoveredSession(session: session, missedPackets: missed)
        } catch {
            node.logger.debug("recovery failed", metadata: ["redis.error": "\(error)", "socket.nsp": "\(namespace)"])
            return nil
        }
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
