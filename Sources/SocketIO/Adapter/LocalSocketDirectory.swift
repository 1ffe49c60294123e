import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// The connected sockets of one namespace in this process, by id, and the namespace's acknowledgement
/// id counter; shared by all event loops.
final class LocalSocketDirectory: Sendable {
    private let sockets = NIOLockedValueBox([String: SocketIOSocket]())
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
        sockets.withLockedValue { $0[socket.id] = socket }
    }

    func remove(_ id: String) {
        sockets.withLockedValue { _ = $0.removeValue(forKey: id) }
    }

    func socket(_ id: String) -> SocketIOSocket? {
        sockets.withLockedValue { $0[id] }
    }

    /// The event loop of some connected socket (where namespace-wide timers run), if any.
    var anyEventLoop: (any EventLoop)? { sockets.withLockedValue { $0.first?.value.eventLoop } }

    var isEmpty: Bool { sockets.withLockedValue { $0.isEmpty } }

    var allIDs: [String] { sockets.withLockedValue { Array($0.keys) } }

    var all: [SocketIOSocket] { sockets.withLockedValue { Array($0.values) } }

    func sockets(_ ids: some Sequence<String>) -> [SocketIOSocket] {
        sockets.withLockedValue { table in ids.compactMap { table[$0] } }
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
        // Bucket recipients per loop. There are few loops (one per core), so a linear scan over them
        // beats hashing, and appending to `buckets[i]` stays in place.
        var loops: [any EventLoop] = []
        var loopIDs: [ObjectIdentifier] = []
        var buckets: [[SocketIOSocket]] = []
        for socket in recipients {
            let loop = socket.eventLoop
            let loopID = ObjectIdentifier(loop)
            if let index = loopIDs.firstIndex(of: loopID) {
                buckets[index].append(socket)
            } else {
                loops.append(loop)
                loopIDs.append(loopID)
                buckets.append([socket])
                buckets[buckets.count - 1].reserveCapacity(recipients.count / max(1, loops.count))
            }
        }
        let hops = recipients[0].client.server.loopHops
        for (loop, group) in zip(loops, buckets) {
            hops.run(on: loop) { Self.deliverOnLoop(messages, to: group, ack: ack, packet: packet, volatile: volatile) }
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
