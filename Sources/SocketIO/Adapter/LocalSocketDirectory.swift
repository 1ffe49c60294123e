import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// The connected sockets of one namespace in this process, by id, and the namespace's acknowledgement
/// id counter; shared by all event loops.
final class LocalSocketDirectory: Sendable {
    /// Recipients grouped per event loop.
    typealias Groups = RecipientGroups<any EventLoop, SocketIOSocket>

    private struct Table {
        /// By id (keys carry their hash: see ``HashedString``).
        var sockets: [HashedString: SocketIOSocket] = [:]
        /// Incremented on every insert and removal (cached room recipients built at an older one are stale).
        var generation: UInt64 = 0
    }

    private let table = NIOLockedValueBox(Table())
    private let ackIDs = NIOLockedValueBox(0)

    /// A new acknowledgement id, unique in the namespace (so one broadcast packet can carry the same id
    /// to every recipient).
    func nextAckID() -> Int {
        ackIDs.withLockedValue { id in
            defer { id = id == 9_007_199_254_740_991 ? 0 : id + 1 }
            return id
        }
    }

    func insert(_ socket: SocketIOSocket) {
        let key = HashedString(socket.id)
        table.withLockedValue {
            $0.sockets[key] = socket
            $0.generation &+= 1
        }
    }

    func remove(_ id: String) {
        let key = HashedString(id)
        table.withLockedValue {
            if $0.sockets.removeValue(forKey: key) != nil { $0.generation &+= 1 }
        }
    }

    func socket(_ id: String) -> SocketIOSocket? {
        let key = HashedString(id)
        return table.withLockedValue { $0.sockets[key] }
    }

    /// The number of inserts and removals so far.
    var generation: UInt64 { table.withLockedValue { $0.generation } }

    /// The event loop of some connected socket (where namespace-wide timers run), if any.
    var anyEventLoop: (any EventLoop)? { table.withLockedValue { $0.sockets.first?.value.eventLoop } }

    var isEmpty: Bool { table.withLockedValue { $0.sockets.isEmpty } }

    var allIDs: [String] { table.withLockedValue { $0.sockets.keys.map(\.string) } }

    var all: [SocketIOSocket] { table.withLockedValue { Array($0.sockets.values) } }

    func sockets(_ ids: some Sequence<String>) -> [SocketIOSocket] {
        let keys = ids.map(HashedString.init)
        return table.withLockedValue { table in keys.compactMap { table.sockets[$0] } }
    }

    /// The connected sockets among `ids`, grouped per event loop, and the generation they were found at.
    func groups(_ ids: some Collection<String>) -> (groups: Groups, generation: UInt64) {
        table.withLockedValue { table in
            var found: [SocketIOSocket] = []
            found.reserveCapacity(ids.count)
            for id in ids {
                if let socket = table.sockets[HashedString(id)] { found.append(socket) }
            }
            return (Self.group(found), table.generation)
        }
    }

    /// `recipients` grouped per event loop.
    static func group(_ recipients: [SocketIOSocket]) -> Groups {
        Groups(recipients, loopOf: { $0.eventLoop }, idOf: { ObjectIdentifier($0) })
    }

    /// Groups the recipients per event loop: direct calls on the current one; the other loops' groups join the
    /// current loop's end-of-tick hop to them (``LoopHopOutboxes``).
    func deliver(_ messages: [OutboundEngineMessage], to ids: some Sequence<String>) {
        deliver(messages, to: sockets(ids), ack: nil)
    }

    /// Delivers to `recipients`; with `ack`, each socket first registers `ack.id` to call `ack.callback`.
    /// `packet` (the decoded form, when known) goes to the recipients' outgoing catch-all handlers;
    /// `volatile` drops the messages for recipients whose connection is not writable.
    func deliver(
        _ messages: [OutboundEngineMessage], to recipients: [SocketIOSocket],
        ack: (id: Int, callback: @Sendable ([JSONValue]) -> Void)?,
        packet: SocketIOPacket? = nil, volatile: Bool = false
    ) {
        guard !recipients.isEmpty else { return }
        deliver(messages, to: Self.group(recipients), ack: ack, packet: packet, volatile: volatile)
    }

    /// Delivers to recipients already grouped per loop (see the other `deliver`). The other loops' hops are
    /// queued before the current loop's recipients are written, so the current loop's end of tick sends them
    /// first and the other loops work while this one flushes.
    func deliver(
        _ messages: [OutboundEngineMessage], to groups: Groups,
        ack: (id: Int, callback: @Sendable ([JSONValue]) -> Void)?,
        packet: SocketIOPacket? = nil, volatile: Bool = false
    ) {
        guard let first = groups.groups.first?.recipients.first else { return }
        let hops = first.client.server.loopHops
        for group in groups.groups where !group.loop.inEventLoop {
            let recipients = group.recipients
            hops.run(on: group.loop) {
                Self.deliverOnLoop(messages, to: recipients, ack: ack, packet: packet, volatile: volatile)
            }
        }
        for group in groups.groups where group.loop.inEventLoop {
            Self.deliverOnLoop(messages, to: group.recipients, ack: ack, packet: packet, volatile: volatile)
        }
    }

    /// Delivers to the sockets of one event loop (on it); the `packets_sent` metric is incremented once for
    /// the group, not once per recipient (a shared atomic touched by every loop).
    private static func deliverOnLoop(
        _ messages: [OutboundEngineMessage], to group: [SocketIOSocket],
        ack: (id: Int, callback: @Sendable ([JSONValue]) -> Void)?, packet: SocketIOPacket?, volatile: Bool
    ) {
        var delivered = 0
        for socket in group where socket.deliverOnLoop(messages, ack: ack, packet: packet, volatile: volatile) {
            delivered += 1
        }
        group.first?.client.server.metrics.sent(.event, count: delivered)
    }
}
