import DequeModule
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// Sessions and recent events in this process's memory, dropped after the maximum disconnection
/// duration (pruned as new events and sessions arrive).
public final class InMemorySessionStore: SocketIOSessionStore {
    struct StoredPacket {
        var offset: String
        var namespace: String
        var data: [JSONValue]
        var options: SocketIOBroadcastOptions
        var emittedAt: NIODeadline
    }

    struct State {
        var sessions: [String: (session: SocketIOSession, disconnectedAt: NIODeadline)] = [:]
        var packets: Deque<StoredPacket> = []
    }

    private let maxDisconnectionDuration: TimeAmount
    private let now: @Sendable () -> NIODeadline
    private let state = NIOLockedValueBox(State())

    /// Creates a store; `now` is the clock (injected by tests).
    public init(
        maxDisconnectionDuration: TimeAmount = .minutes(2),
        now: @escaping @Sendable () -> NIODeadline = { NIODeadline.now() }
    ) {
        self.maxDisconnectionDuration = maxDisconnectionDuration
        self.now = now
    }

    /// Stores the event and drops the events older than the maximum disconnection duration.
    public func recordPacket(namespace: String, offset: String, packet: [JSONValue], options: SocketIOBroadcastOptions) {
        let now = now()
        state.withLockedValue { state in
            prunePackets(&state, now: now)
            state.packets.append(StoredPacket(offset: offset, namespace: namespace, data: packet, options: options, emittedAt: now))
        }
    }

    /// Keeps the session until the maximum disconnection duration has passed.
    public func saveSession(_ session: SocketIOSession) {
        let now = now()
        state.withLockedValue { state in
            prune(&state, now: now)
            state.sessions[Self.key(session.namespace, session.pid)] = (session, now)
        }
    }

    /// Finds the session and the events its rooms received after `offset`; calls `completion` at once.
    public func restoreSession(
        namespace: String, pid: String, offset: String,
        completion: @escaping @Sendable (SocketIORecoveredSession?) -> Void
    ) {
        let now = now()
        let found: SocketIORecoveredSession? = state.withLockedValue { state in
            prune(&state, now: now)
            guard let (session, _) = state.sessions.removeValue(forKey: Self.key(namespace, pid)) else { return nil }
            guard let index = state.packets.firstIndex(where: { $0.offset == offset }) else { return nil }
            var missed: [[JSONValue]] = []
            for packet in state.packets[(index + 1)...]
            where packet.namespace == namespace && Self.reaches(packet.options, rooms: session.rooms) {
                missed.append(packet.data)
            }
            return SocketIORecoveredSession(session: session, missedPackets: missed)
        }
        completion(found)
    }

    /// Whether a packet sent with `options` reached a socket in `rooms`.
    static func reaches(_ options: SocketIOBroadcastOptions, rooms: Set<String>) -> Bool {
        let included = options.rooms.isEmpty || !options.rooms.isDisjoint(with: rooms)
        return included && options.except.isDisjoint(with: rooms)
    }

    private static func key(_ namespace: String, _ pid: String) -> String { namespace + "\u{0}" + pid }

    private func prunePackets(_ state: inout State, now: NIODeadline) {
        let threshold = now - maxDisconnectionDuration
        while let first = state.packets.first, first.emittedAt < threshold { state.packets.removeFirst() }
    }

    private func prune(_ state: inout State, now: NIODeadline) {
        prunePackets(&state, now: now)
        let threshold = now - maxDisconnectionDuration
        if state.sessions.contains(where: { $0.value.disconnectedAt < threshold }) {
            state.sessions = state.sessions.filter { $0.value.disconnectedAt >= threshold }
        }
    }
}

/// Unique, increasing offsets for recorded events: a random per-process prefix and a counter.
final class OffsetGenerator: Sendable {
    private let prefix = String(SocketIDGenerator.next().prefix(8))
    private let counter = NIOLockedValueBox(UInt64(0))

    func next() -> String {
        let value = counter.withLockedValue { counter in
            counter += 1
            return counter
        }
        return prefix + "-" + String(value, radix: 36)
    }
}
