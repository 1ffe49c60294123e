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
        /// The packet is dropped for recipients whose connection is not writable
        /// (``EngineIO/EngineConnection/isWritable`` is `false`: a slow reader, or mid-upgrade).
        public var volatile: Bool
        /// Whether the transport may compress the packet (default `true`); with `false` the WebSocket
        /// transport sends it without permessage-deflate (RSV1 clear) even when compression was negotiated.
        public var compress: Bool
        /// How long recipients have to acknowledge (set by `timeout(_:)`; `nil` without acknowledgement).
        public var timeout: TimeAmount?

        /// Creates flags.
        public init(local: Bool = false, volatile: Bool = false, compress: Bool = true, timeout: TimeAmount? = nil) {
            self.local = local
            self.volatile = volatile
            self.compress = compress
            self.timeout = timeout
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

    // MARK: Server-side socket management (a cluster adapter carries these to every server)

    /// The sockets selected by `options` on every server (only this one unless `options.flags.local`
    /// is false and the adapter is a cluster adapter).
    func fetchSockets(_ options: SocketIOBroadcastOptions) async -> [SocketIORemoteSocket]
    /// Makes the sockets selected by `options` join `rooms`, on every server.
    func addSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>)
    /// Makes the sockets selected by `options` leave `rooms`, on every server.
    func delSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>)
    /// Disconnects the sockets selected by `options`, on every server (closing their Engine.IO
    /// connections when `close` is true).
    func disconnectSockets(_ options: SocketIOBroadcastOptions, close: Bool)
    /// Sends an event to the other servers of the cluster (their namespace's
    /// ``SocketIONamespace/onServerSideEvent(_:)`` handlers); never to clients, never to this server.
    func serverSideEmit(_ event: String, arguments: [JSONValue])
    /// Sends an event to the other servers and returns the arguments of each server's acknowledgement
    /// that arrived within `timeout`.
    func serverSideEmitWithAck(_ event: String, arguments: [JSONValue], timeout: TimeAmount) async -> [[JSONValue]]
    /// The number of servers in the cluster (this one included).
    func serverCount() async -> Int
    /// Called once when the server removed the namespace (an empty child of a dynamic namespace, with
    /// ``SocketIOServer/Configuration/cleanupEmptyChildNamespaces``): a cluster adapter releases what it
    /// holds for it (subscriptions, registrations). The adapter is not used afterwards. The default
    /// does nothing.
    func close()
}

extension SocketIOAdapter {
    /// Does nothing: an in-process adapter holds nothing outside the namespace.
    public func close() {}
}

/// What a namespace gives its adapter: the namespace name and delivery to its local sockets.
public struct SocketIOAdapterContext: Sendable {
    /// The namespace name, e.g. `/` or `/chat`.
    public let namespace: String
    let directory: LocalSocketDirectory
    let serverSideHandlers: ServerSideHandlers

    init(namespace: String, directory: LocalSocketDirectory, serverSideHandlers: ServerSideHandlers) {
        self.namespace = namespace
        self.directory = directory
        self.serverSideHandlers = serverSideHandlers
    }

    /// Hands an event another server sent with `serverSideEmit` to the namespace's
    /// ``SocketIONamespace/onServerSideEvent(_:)`` handlers (what a cluster adapter calls).
    public func receiveServerSideEvent(
        _ event: String, arguments: [JSONValue], ack: (@Sendable ([JSONValue]) -> Void)? = nil
    ) {
        serverSideHandlers.dispatch(event, arguments: arguments, ack: ack)
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

    /// Makes the local sockets in `socketIDs` forget acknowledgement id `ackID` (a cluster broadcast
    /// they received gave up waiting), so sockets that never answer keep no entry.
    public func forgetAck(_ ackID: Int, for socketIDs: some Sequence<String>) {
        for socket in directory.sockets(socketIDs) {
            socket.runOnLoop { $0.forgetAckOnLoop(id: ackID) }
        }
    }

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
