import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// The default adapter: rooms in memory, broadcasts to the sockets of this process.
///
/// Room membership is shared by all event loops and guarded by a lock. A broadcast encodes the packet
/// once and hands the same bytes to every recipient. The recipients of a large room, grouped per event loop,
/// are kept between broadcasts until its membership or the set of connected sockets changes
/// (``RoomRecipientCache``), so a broadcast to an unchanged room costs no per-member lookup.
public final class InMemoryAdapter: SocketIOAdapter {
    struct Rooms {
        /// room → socket ids (a socket's own room has one member: no set of its own, see ``CompactStringSet``)
        /// (Keys carry their hash, see ``HashedString``: a lookup among thousands of own rooms reads no other key's text.)
        var members: [HashedString: CompactStringSet] = [:]
        /// socket id → rooms (usually only its own)
        var roomsOfSocket: [HashedString: CompactStringSet] = [:]
        /// room → its connected local sockets grouped per event loop (large rooms only)
        var recipients = RoomRecipientCache<LocalSocketDirectory.Groups>()
    }

    /// The namespace this adapter serves.
    public let context: SocketIOAdapterContext
    private let rooms = NIOLockedValueBox(Rooms())
    private let allocator = ByteBufferAllocator()

    /// Creates an adapter for the namespace described by `context`.
    public init(context: SocketIOAdapterContext) {
        self.context = context
    }

    /// Adds the socket to the rooms.
    public func addAll(_ socketID: String, rooms newRooms: Set<String>) {
        let socketKey = HashedString(socketID)
        rooms.withLockedValue { state in
            state.roomsOfSocket[socketKey, default: .empty].formUnion(newRooms)
            for room in newRooms where state.members[HashedString(room), default: .empty].insert(socketID) {
                state.recipients.invalidate(room)
            }
        }
    }

    /// Removes the socket from one room; empty rooms are forgotten.
    public func del(_ socketID: String, room: String) {
        rooms.withLockedValue { state in
            state.roomsOfSocket[HashedString(socketID)]?.remove(room)
            Self.removeMember(socketID, from: room, in: &state)
        }
    }

    /// Removes the socket from every room.
    public func delAll(_ socketID: String) {
        let socketKey = HashedString(socketID)
        rooms.withLockedValue { state in
            guard let socketRooms = state.roomsOfSocket.removeValue(forKey: socketKey) else { return }
            socketRooms.forEach { room in Self.removeMember(socketID, from: room, in: &state) }
        }
    }

    private static func removeMember(_ socketID: String, from room: String, in state: inout Rooms) {
        // In place: copying the member set out would copy every member on each leave.
        let key = HashedString(room)
        guard state.members[key]?.remove(socketID) == true else { return }
        state.recipients.invalidate(room)
        if state.members[key]?.isEmpty == true { state.members[key] = nil }
    }

    /// Encodes `packet` once and delivers it to the local sockets selected by `options`.
    public func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) {
        let messages = SocketIOPacketEncoder.encode(packet, compress: options.flags.compress, allocator: allocator)
        context.directory.deliver(
            messages, to: localGroups(matching: options), ack: nil, packet: packet, volatile: options.flags.volatile
        )
    }

    /// Encodes `packet` once with its acknowledgement id (a new namespace-wide one if it has none) and delivers it to the local
    /// sockets selected by `options`, each registering `ack` for that id.
    public func broadcastWithAck(
        _ packet: SocketIOPacket, options: SocketIOBroadcastOptions,
        clientCount: @escaping @Sendable (Int) -> Void,
        ack: @escaping @Sendable ([JSONValue]) -> Void
    ) {
        var packet = packet
        let ackID = packet.ackID ?? context.nextAckID()
        packet.ackID = ackID
        let messages = SocketIOPacketEncoder.encode(packet, compress: options.flags.compress, allocator: allocator)
        let recipients = localGroups(matching: options)
        clientCount(recipients.count)
        context.directory.deliver(
            messages, to: recipients, ack: (ackID, ack), packet: packet, volatile: options.flags.volatile
        )
    }

    /// Delivers already encoded messages to the local sockets selected by `options` (what a cluster
    /// adapter calls for packets that arrive from other nodes, and for its own broadcasts so that it
    /// encodes them once). `packet`, the decoded form when known, goes to the recipients' outgoing
    /// catch-all handlers.
    public func broadcast(encoded messages: [OutboundEngineMessage], options: SocketIOBroadcastOptions, packet: SocketIOPacket? = nil) {
        context.directory.deliver(
            messages, to: localGroups(matching: options), ack: nil, packet: packet, volatile: options.flags.volatile
        )
    }

    /// The number of rooms whose recipients are kept (for tests).
    var cachedRoomCount: Int { rooms.withLockedValue { $0.recipients.count } }

    /// The connected local sockets selected by `options`, grouped per event loop; for one room without
    /// exceptions, from the cache while the room and the connected sockets are unchanged.
    func localGroups(matching options: SocketIOBroadcastOptions) -> LocalSocketDirectory.Groups {
        guard options.rooms.count == 1, options.except.isEmpty, let room = options.rooms.first else {
            return LocalSocketDirectory.group(localSockets(matching: options))
        }
        let directory = context.directory
        // Lock order: the rooms, then the directory (the directory never calls back into the adapter).
        return rooms.withLockedValue { state in
            guard let members = state.members[HashedString(room)] else { return LocalSocketDirectory.group([]) }
            if members.count >= state.recipients.minimumMembers,
                let cached = state.recipients.value(for: room, generation: directory.generation)
            {
                return cached
            }
            let (groups, generation) =
                switch members {
                case .many(let set): directory.groups(set)
                case .empty, .one: directory.groups(members.array)
                }
            state.recipients.store(groups, for: room, memberCount: members.count, generation: generation)
            return groups
        }
    }

    /// The connected local sockets selected by `options` (every one, without id lookups, when there is
    /// no room and no exception).
    func localSockets(matching options: SocketIOBroadcastOptions) -> [SocketIOSocket] {
        if options.rooms.isEmpty && options.except.isEmpty { return context.directory.all }
        return context.directory.sockets(sockets(matching: options))
    }

    /// The local socket ids selected by `options`.
    public func sockets(matching options: SocketIOBroadcastOptions) -> [String] {
        rooms.withLockedValue { state in
            var excluded = Set<String>()
            for room in options.except {
                state.members[HashedString(room)]?.forEach { excluded.insert($0) }
            }
            if options.rooms.isEmpty {
                if excluded.isEmpty { return state.roomsOfSocket.keys.map(\.string) }
                return state.roomsOfSocket.keys.compactMap { excluded.contains($0.string) ? nil : $0.string }
            }
            if options.rooms.count == 1, let members = state.members[HashedString(options.rooms.first!)] {
                // Arrays, not sets: no rehashing of every member on the hot path.
                if excluded.isEmpty { return members.array }
                var selected: [String] = []
                selected.reserveCapacity(members.count)
                members.forEach { member in if !excluded.contains(member) { selected.append(member) } }
                return selected
            }
            var selected = Set<String>()
            for room in options.rooms {
                state.members[HashedString(room)]?.forEach { member in if !excluded.contains(member) { selected.insert(member) } }
            }
            return Array(selected)
        }
    }

    /// The ids of local sockets in any of `rooms` (all of them when `rooms` is empty).
    public func sockets(in rooms: Set<String>) -> Set<String> {
        Set(sockets(matching: SocketIOBroadcastOptions(rooms: rooms)))
    }

    /// The rooms of a local socket, or `nil` if it is unknown.
    public func socketRooms(_ socketID: String) -> Set<String>? {
        let key = HashedString(socketID)
        return rooms.withLockedValue { $0.roomsOfSocket[key]?.set }
    }

    /// The rooms that have at least one member.
    public var allRooms: Set<String> {
        rooms.withLockedValue { Set($0.members.keys.lazy.map(\.string)) }
    }

    // MARK: Server-side socket management (this process only)

    /// The local sockets selected by `options`, as remote-socket handles.
    public func fetchSockets(_ options: SocketIOBroadcastOptions) async -> [SocketIORemoteSocket] {
        localSockets(matching: options).map { socket in
            SocketIORemoteSocket(
                id: socket.id, namespace: context.namespace, handshake: socket.handshake,
                rooms: socketRooms(socket.id) ?? [], data: socket.data, adapter: self
            )
        }
    }

    /// Makes the selected local sockets join `rooms`.
    public func addSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        for socket in localSockets(matching: options) { socket.join(rooms) }
    }

    /// Makes the selected local sockets leave `rooms`.
    public func delSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        for socket in localSockets(matching: options) {
            for room in rooms { socket.leave(room) }
        }
    }

    /// Disconnects the selected local sockets.
    public func disconnectSockets(_ options: SocketIOBroadcastOptions, close: Bool) {
        for socket in localSockets(matching: options) { socket.disconnect(close: close) }
    }

    /// Does nothing: a single process has no other server to reach.
    public func serverSideEmit(_ event: String, arguments: [JSONValue]) {}

    /// Returns `[]` at once: a single process has no other server to answer.
    public func serverSideEmitWithAck(_ event: String, arguments: [JSONValue], timeout: TimeAmount) async -> [[JSONValue]] {
        []
    }

    /// Always 1.
    public func serverCount() async -> Int { 1 }
}
