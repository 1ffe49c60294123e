import EngineIO
import NIOCore
import SwitchboardJSON

/// Which sockets a broadcast reaches.
public struct SocketIOBroadcastOptions: Sendable, Hashable {
    /// The rooms whose members receive the packet; empty means every socket of the namespace.
    public var rooms: Set<String>
    /// Members of these rooms are skipped (a socket id is a room, so this also excludes single sockets).
    public var except: Set<String>
    /// Delivery flags.
    public var flags: Flags

    /// Delivery flags of a broadcast.
    public struct Flags: Sendable, Hashable {
        /// Only sockets of this server process (a cluster adapter must not forward the packet).
        public var local: Bool
        /// The packet may be dropped if a recipient is not ready (accepted; delivery is best effort anyway).
        public var volatile: Bool

        /// Creates flags.
        public init(local: Bool = false, volatile: Bool = false) {
            self.local = local
            self.volatile = volatile
        }
    }

    /// Creates options.
    public init(rooms: Set<String> = [], except: Set<String> = [], flags: Flags = Flags()) {
        self.rooms = rooms
        self.except = except
        self.flags = flags
    }
}

/// Keeps track of rooms for one namespace and carries out broadcasts.
///
/// The in-process implementation is ``InMemoryAdapter``; a cluster adapter (e.g. over Redis pub/sub)
/// implements the same methods, usually by wrapping an ``InMemoryAdapter`` for the local part and
/// forwarding broadcasts to the other nodes. Methods may be called from any thread.
public protocol SocketIOAdapter: AnyObject, Sendable {
    /// Adds the socket to the rooms.
    func addAll(_ socketID: String, rooms: Set<String>)
    /// Removes the socket from one room.
    func del(_ socketID: String, room: String)
    /// Removes the socket from every room.
    func delAll(_ socketID: String)
    /// Sends `packet` to the sockets selected by `options`.
    func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions)
    /// Sends `packet` (whose ``SocketIOPacket/ackID`` is set, unique in the namespace) to the sockets
    /// selected by `options`, each expected to acknowledge it: calls `clientCount` exactly once with the
    /// total number of recipients (a cluster adapter sums over its servers), then `ack` with the
    /// arguments of each client's acknowledgement.
    func broadcastWithAck(
        _ packet: SocketIOPacket, options: SocketIOBroadcastOptions,
        clientCount: @escaping @Sendable (Int) -> Void,
        ack: @escaping @Sendable ([JSONValue]) -> Void
    )
    /// The ids of local sockets in any of `rooms` (every local socket when `rooms` is empty).
    func sockets(in rooms: Set<String>) -> Set<String>
    /// The rooms of a local socket, or `nil` if the socket is unknown.
    func socketRooms(_ socketID: String) -> Set<String>?
}

/// What a namespace gives its adapter: the namespace name and delivery to its local sockets.
public struct SocketIOAdapterContext: Sendable {
    /// The namespace name, e.g. `/` or `/chat`.
    public let namespace: String
    let directory: LocalSocketDirectory

    init(namespace: String, directory: LocalSocketDirectory) {
        self.namespace = namespace
        self.directory = directory
    }

    /// Hands the same pre-encoded `messages` to every connected local socket whose id is in `socketIDs`,
    /// with one hop per event loop (none for sockets on the calling loop).
    public func deliver(_ messages: [OutboundEngineMessage], to socketIDs: some Sequence<String>) {
        directory.deliver(messages, to: socketIDs)
    }

    /// The ids of every connected local socket.
    public var localSocketIDs: [String] { directory.allIDs }

    /// A new acknowledgement id, unique in the namespace.
    public func nextAckID() -> Int { directory.nextAckID() }

    /// Delivers `messages`, which carry acknowledgement id `ackID`, to the connected local sockets in
    /// `socketIDs`; each registers `ack` for that id before sending. Returns the number of recipients.
    @discardableResult
    public func deliver(
        _ messages: [OutboundEngineMessage], to socketIDs: some Sequence<String>,
        ackID: Int, ack: @escaping @Sendable ([JSONValue]) -> Void
    ) -> Int {
        let recipients = directory.sockets(socketIDs)
        directory.deliver(messages, to: recipients, ack: (ackID, ack))
        return recipients.count
    }
}
