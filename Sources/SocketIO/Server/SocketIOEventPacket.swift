import SwitchboardJSON

/// An inbound event as per-packet middlewares see it (``SocketIOSocket/use(_:)``).
public struct SocketIOEventPacket: Sendable, Hashable {
    /// The event name.
    public var event: String
    /// The arguments after the event name.
    public var arguments: [JSONValue]
    /// The acknowledgement id, when the client asked for an acknowledgement.
    public var ackID: Int?

    /// Creates a packet description.
    public init(event: String, arguments: [JSONValue], ackID: Int? = nil) {
        self.event = event
        self.arguments = arguments
        self.ackID = ackID
    }
}

/// Identifies a registered catch-all handler, for ``SocketIOSocket/offAny(_:)`` and
/// ``SocketIOSocket/offAnyOutgoing(_:)``.
public struct SocketIOListenerID: Hashable, Sendable {
    let value: Int
}
