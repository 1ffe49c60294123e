import NIOCore
import SocketIO
import SwitchboardJSON

/// An event kept in a namespace's Redis stream for connection state recovery.
public struct ClusterStoredPacket: Sendable, Hashable {
    /// The offset the event carries as its last argument.
    public var offset: String
    /// The sockets the event was sent to.
    public var selection: ClusterSelection
    /// The full `[event, args..., offset]` array.
    public var packet: [JSONValue]

    /// Creates a stored event.
    public init(offset: String, selection: ClusterSelection, packet: [JSONValue]) {
        self.offset = offset
        self.selection = selection
        self.packet = packet
    }
}

extension ClusterSelection {
    /// Whether an event sent to this selection reached a socket that is in `rooms` (its own id included).
    public func reaches(rooms socketRooms: Set<String>) -> Bool {
        let included = rooms.isEmpty || rooms.contains(where: socketRooms.contains)
        return included && !except.contains(where: socketRooms.contains)
    }
}

/// The stored forms of recovery data: a disconnected session (a Redis string), a connected session's
/// live copy (a Redis string with its owner) and a recorded event (a Redis stream entry), in the cluster
/// wire format with a version byte.
public enum ClusterRecoveryCodec {
    static let version: UInt8 = 1

    /// The bytes of a session.
    public static func encode(_ session: SocketIOSession) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(version)
        buffer.writeClusterString(session.namespace)
        buffer.writeClusterString(session.sid)
        buffer.writeClusterString(session.pid)
        buffer.writeClusterStrings(session.rooms.sorted())
        buffer.writeClusterJSON(session.data)
        return buffer
    }

    /// A session read back.
    public static func decodeSession(_ bytes: ByteBuffer) throws(ClusterDecodingError) -> SocketIOSession {
        var reader = try versionedReader(bytes)
        let namespace = try reader.string("namespace")
        let sid = try reader.string("sid")
        let pid = try reader.string("pid")
        let rooms = try reader.strings("rooms")
        let data = try reader.json("data")
        try reader.finish()
        return SocketIOSession(namespace: namespace, sid: sid, pid: pid, rooms: Set(rooms), data: data)
    }

    /// The bytes of a connected session kept by its node (a live copy): ``liveOwnerPrefix(_:)`` of the
    /// node's `owner` token, then the session as ``encode(_:)-(SocketIOSession)`` writes it. A node
    /// changes or saves a live copy only while it starts with its own prefix, so a node that lost the
    /// session to another one (which took the copy and wrote its own) cannot write a stale one back.
    public static func encodeLive(_ session: SocketIOSession, owner: String) -> ByteBuffer {
        var buffer = liveOwnerPrefix(owner)
        var sessionBytes = encode(session)
        buffer.writeBuffer(&sessionBytes)
        return buffer
    }

    /// The first bytes of every live copy written by `owner`: the version byte and the owner token
    /// (length-prefixed, so no token's prefix is a prefix of another token's).
    public static func liveOwnerPrefix(_ owner: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(version)
        buffer.writeClusterString(owner)
        return buffer
    }

    /// A live copy read back: its owner token and the session.
    public static func decodeLiveSession(_ bytes: ByteBuffer) throws(ClusterDecodingError) -> (owner: String, session: SocketIOSession) {
        var reader = try versionedReader(bytes)
        let owner = try reader.string("owner")
        return (owner, try decodeSession(reader.buffer))
    }

    /// The bytes of a recorded event.
    public static func encode(_ packet: ClusterStoredPacket) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(version)
        buffer.writeClusterString(packet.offset)
        buffer.writeClusterStrings(packet.selection.rooms)
        buffer.writeClusterStrings(packet.selection.except)
        buffer.writeClusterJSONs(packet.packet)
        return buffer
    }

    /// A recorded event read back.
    public static func decodePacket(_ bytes: ByteBuffer) throws(ClusterDecodingError) -> ClusterStoredPacket {
        var reader = try versionedReader(bytes)
        let offset = try reader.string("offset")
        let rooms = try reader.strings("rooms")
        let except = try reader.strings("except")
        let packet = try reader.jsons("packet")
        try reader.finish()
        return ClusterStoredPacket(offset: offset, selection: ClusterSelection(rooms: rooms, except: except), packet: packet)
    }

    /// The events after the one with `offset` that reached a socket in `rooms`, in stream order; `nil`
    /// if `offset` is not among `packets` (too old: the session cannot be recovered).
    public static func missedPackets(after offset: String, in packets: [ClusterStoredPacket], rooms: Set<String>) -> [[JSONValue]]? {
        guard let index = packets.firstIndex(where: { $0.offset == offset }) else { return nil }
        return packets[(index + 1)...].filter { $0.selection.reaches(rooms: rooms) }.map(\.packet)
    }

    private static func versionedReader(_ bytes: ByteBuffer) throws(ClusterDecodingError) -> ClusterWireReader {
        var reader = ClusterWireReader(bytes)
        let found = try reader.integer(as: UInt8.self, "version")
        guard found == version else {
            throw ClusterDecodingError(code: .unsupportedVersion, message: "record version \(found), expected \(version)")
        }
        return reader
    }
}
