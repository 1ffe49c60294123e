import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// The default adapter: rooms in memory, broadcasts to the sockets of this process.
///
/// Room membership is shared by all event loops and guarded by a lock. A broadcast encodes the packet
/// once and hands the same bytes to every recipient.
public final class InMemoryAdapter: SocketIOAdapter {
    struct Rooms {
        /// room → socket ids
        var members: [String: Set<String>] = [:]
        /// socket id → rooms
        var roomsOfSocket: [String: Set<String>] = [:]
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
        rooms.withLockedValue { state in
            state.roomsOfSocket[socketID, default: []].formUnion(newRooms)
            for room in newRooms { state.members[room, default: []].insert(socketID) }
        }
    }

    /// Removes the socket from one room; empty rooms are forgotten.
    public func del(_ socketID: String, room: String) {
        rooms.withLockedValue { state in
            state.roomsOfSocket[socketID]?.remove(room)
            Self.removeMember(socketID, from: room, in: &state)
        }
    }

    /// Removes the socket from every room.
    public func delAll(_ socketID: String) {
        rooms.withLockedValue { state in
            guard let socketRooms = state.roomsOfSocket.removeValue(forKey: socketID) else { return }
            for room in socketRooms { Self.removeMember(socketID, from: room, in: &state) }
        }
    }

    private static func removeMember(_ socketID: String, from room: String, in state: inout Rooms) {
        guard var members = state.members[room] else { return }
        members.remove(socketID)
        state.members[room] = members.isEmpty ? nil : members
    }

    /// Encodes `packet` once and delivers it to the local sockets selected by `options`.
    public func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) {
        let messages = SocketIOPacketEncoder.encode(packet, allocator: allocator)
        broadcast(encoded: messages, options: options)
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
        let messages = SocketIOPacketEncoder.encode(packet, allocator: allocator)
        let recipients = localSockets(matching: options)
        clientCount(recipients.count)
        context.directory.deliver(messages, to: recipients, ack: (ackID, ack))

    }

    /// Delivers already encoded messages to the local sockets selected by `options`
    /// (what a cluster adapter calls for packets that arrive from other nodes).
    public func broadcast(encoded messages: [OutboundEngineMessage], options: SocketIOBroadcastOptions) {
        context.directory.deliver(messages, to: localSockets(matching: options), ack: nil)
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
                if let members = state.members[room] { excluded.formUnion(members) }
            }
            if options.rooms.isEmpty {
                if excluded.isEmpty { return Array(state.roomsOfSocket.keys) }
                return state.roomsOfSocket.keys.filter { !excluded.contains($0) }
            }
            if options.rooms.count == 1, let members = state.members[options.rooms.first!] {
                // Arrays, not sets: no rehashing of every member on the hot path.
                if excluded.isEmpty { return Array(members) }
                var selected: [String] = []
                selected.reserveCapacity(members.count)
                for member in members where !excluded.contains(member) { selected.append(member) }
                return selected
            }
            var selected = Set<String>()
            for room in options.rooms {
                guard let members = state.members[room] else { continue }
                for member in members where !excluded.contains(member) { selected.insert(member) }
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
        rooms.withLockedValue { $0.roomsOfSocket[socketID] }
    }

    /// The rooms that have at least one member.
    public var allRooms: Set<String> {
        rooms.withLockedValue { Set($0.members.keys) }
    }
}
