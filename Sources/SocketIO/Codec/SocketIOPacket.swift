import SwitchboardJSON

/// The packet types of the Socket.IO v5 protocol, with their wire digits.
public enum SocketIOPacketType: UInt8, Sendable, Hashable, CaseIterable {
    /// `0`: connection to a namespace (client → server) or its acceptance (server → client).
    case connect = 0
    /// `1`: disconnection from a namespace.
    case disconnect = 1
    /// `2`: an event.
    case event = 2
    /// `3`: an acknowledgement.
    case ack = 3
    /// `4`: refusal of a namespace connection.
    case connectError = 4
    /// `5`: an event with binary attachments.
    case binaryEvent = 5
    /// `6`: an acknowledgement with binary attachments.
    case binaryAck = 6
}

/// One Socket.IO packet as the application sees it.
///
/// Binary data travels as ``JSONValue/binary(_:)`` leaves inside ``data``: the encoder turns an
/// ``SocketIOPacketType/event`` or ``SocketIOPacketType/ack`` holding binary leaves into a
/// `BINARY_EVENT` / `BINARY_ACK` with attachments, and the decoder puts received attachments back in
/// place and reports `BINARY_*` packets as ``SocketIOPacketType/event`` / ``SocketIOPacketType/ack``.
public struct SocketIOPacket: Sendable, Hashable {
    /// The packet type.
    public var type: SocketIOPacketType
    /// The namespace, `/` for the main one.
    public var namespace: String
    /// The acknowledgement id, when the sender expects (or this packet is) an acknowledgement.
    public var ackID: Int?
    /// The payload, if any.
    public var data: JSONValue?

    /// Creates a packet.
    public init(type: SocketIOPacketType, namespace: String = "/", ackID: Int? = nil, data: JSONValue? = nil) {
        self.type = type
        self.namespace = namespace
        self.ackID = ackID
        self.data = data
    }

    /// An `EVENT` packet: `[event, arguments...]`.
    public static func event(
        _ event: String, arguments: [JSONValue], namespace: String = "/", ackID: Int? = nil
    ) -> SocketIOPacket {
        var payload: [JSONValue] = [.string(event)]
        payload.append(contentsOf: arguments)
        return SocketIOPacket(type: .event, namespace: namespace, ackID: ackID, data: .array(payload))
    }
}
