import SwitchboardJSON

/// A socket found by ``SocketIOBroadcastOperator/fetchSockets()``, on this server or another one of the
/// cluster: a snapshot of its state, and operations carried out through the adapter (so they reach
/// the socket wherever it lives).
public struct SocketIORemoteSocket: Sendable {
    /// The socket id.
    public let id: String
    /// The namespace name.
    public let namespace: String
    /// What the client sent when connecting.
    public let handshake: SocketIOHandshake
    /// The rooms the socket was in when fetched.
    public let rooms: Set<String>
    /// The socket's ``SocketIOSocket/data`` when fetched.
    public let data: JSONValue
    private let adapter: any SocketIOAdapter

    /// Creates a handle (what an adapter returns from ``SocketIOAdapter/fetchSockets(_:)``).
    public init(
        id: String, namespace: String, handshake: SocketIOHandshake, rooms: Set<String>, data: JSONValue,
        adapter: any SocketIOAdapter
    ) {
        self.id = id
        self.namespace = namespace
        self.handshake = handshake
        self.rooms = rooms
        self.data = data
        self.adapter = adapter
    }

    private var only: SocketIOBroadcastOptions { SocketIOBroadcastOptions(rooms: [id]) }

    /// Sends `event` to this socket.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        guard !SocketIOPacketDecoder.reservedEventNames.contains(event) else { return }
        adapter.broadcast(.event(event, arguments: arguments, namespace: namespace), options: only)
    }

    /// Makes the socket join `room`.
    public func join(_ room: String) { adapter.addSockets(only, rooms: [room]) }

    /// Makes the socket leave `room`.
    public func leave(_ room: String) { adapter.delSockets(only, rooms: [room]) }

    /// Disconnects the socket (closing its connection when `close` is true).
    public func disconnect(close: Bool = false) { adapter.disconnectSockets(only, close: close) }
}
