import NIOConcurrencyHelpers

/// A ``HotStore`` in process memory: for tests, development and single-node deployments without Redis.
///
/// Nothing survives a restart. Idempotency keys are kept until their message is trimmed.
public final class InMemoryHotStore: HotStore {
    private struct State {
        var generator = MessageIDGenerator()
        /// Every message, oldest first (IDs strictly increasing).
        var all: [StoredMessage] = []
        /// Per-room indices into ``all``'s ID order, oldest first.
        var rooms: [String: [MessageID]] = [:]
        var byID: [MessageID: Int] = [:]
        var idempotency: [IdempotencyKey: MessageID] = [:]
        /// Index of the first message in `all` that has not been trimmed.
        var start = 0
    }

    private struct IdempotencyKey: Hashable {
        var room: String
        var clientMessageID: String
    }

    private let state = NIOLockedValueBox(State())
    private let clock: @Sendable () -> Int64
    private let limits: MessageLimits

    /// Creates an empty store; `clock` returns milliseconds since the Unix epoch.
    ///
    /// Pass the newest archived ID as `startingAfter` so that new IDs stay above it even if the clock stepped
    /// back across a restart (the backup job treats IDs at or below its checkpoint as archived).
    public init(
        limits: MessageLimits = MessageLimits(),
        clock: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() },
        startingAfter newestKnown: MessageID? = nil
    ) {
        self.limits = limits
        self.clock = clock
        state.withLockedValue { $0.generator = MessageIDGenerator(after: newestKnown) }
    }

    public func append(_ message: NewMessage) async throws -> AppendResult {
        try limits.validate(message)
        let now = clock()
        return state.withLockedValue { state in
            let key = IdempotencyKey(room: message.room, clientMessageID: message.clientMessageID)
            if let existing = state.idempotency[key], let index = state.byID[existing] {
                return AppendResult(message: state.all[index], isDuplicate: true)
            }
            let id = state.generator.next(nowMilliseconds: UInt64(max(now, 0)))
            let stored = message.stored(as: id)
            state.byID[id] = state.all.count
            state.all.append(stored)
            state.rooms[message.room, default: []].append(id)
            state.idempotency[key] = id
            return AppendResult(message: stored, isDuplicate: false)
        }
    }

    public func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        try MessageLimits.checkPageLimit(limit)
        return state.withLockedValue { state in
            guard let ids = state.rooms[room] else { return [] }
            return ids[ids.newestPage(before: before, limit: limit)].reversed().map { state.all[state.byID[$0]!] }
        }
    }

    public func pending(after checkpoint: MessageID?, limit: Int) async throws -> [StoredMessage] {
        try MessageLimits.checkPageLimit(limit, maximum: 1_000_000)
        return state.withLockedValue { state in
            var first = state.start
            if let checkpoint {
                first = state.all[state.start...].partitionPoint { $0.id > checkpoint }
            }
            return Array(state.all[first..<min(state.all.count, first + limit)])
        }
    }

    public func trim(upTo id: MessageID) async throws {
        state.withLockedValue { state in
            let end = state.all[state.start...].partitionPoint { $0.id > id }
            guard end > state.start else { return }
            // Trimmed messages are the oldest of every room they belong to: drop a prefix per room.
            var removedPerRoom: [String: Int] = [:]
            for message in state.all[state.start..<end] {
                state.byID[message.id] = nil
                state.idempotency[IdempotencyKey(room: message.room, clientMessageID: message.clientMessageID)] = nil
                removedPerRoom[message.room, default: 0] += 1
            }
            for (room, removed) in removedPerRoom {
                guard var ids = state.rooms.removeValue(forKey: room) else { continue }
                ids.removeFirst(min(removed, ids.count))
                if !ids.isEmpty { state.rooms[room] = ids }
            }
            state.start = end
            // Compact once the dead prefix dominates, re-indexing the survivors.
            if state.start > 1024 && state.start * 2 > state.all.count {
                state.all.removeFirst(state.start)
                state.start = 0
                state.byID.removeAll(keepingCapacity: true)
                for (index, message) in state.all.enumerated() { state.byID[message.id] = index }
            }
        }
    }

    public func message(_ id: MessageID, in room: String) async throws -> StoredMessage? {
        state.withLockedValue { state in
            guard let index = state.byID[id], state.all[index].room == room else { return nil }
            return state.all[index]
        }
    }

    public func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        state.withLockedValue { state in
            guard let index = state.byID[id], state.all[index].room == room else { return nil }
            state.all[index] = state.all[index].applying(change)
            return state.all[index]
        }
    }

    /// Number of messages currently held (not yet trimmed).
    public var count: Int { state.withLockedValue { $0.all.count - $0.start } }
}

extension Array where Element == MessageID {
    /// In ascending IDs, the range of the newest `limit` IDs below `before` (below everything when `nil`).
    package func newestPage(before: MessageID?, limit: Int) -> Range<Int> {
        let end = before.map { before in partitionPoint { $0 >= before } } ?? endIndex
        return Swift.max(startIndex, end - limit)..<end
    }
}

extension Collection {
    /// The index of the first element for which `predicate` holds, given that it holds for a suffix.
    package func partitionPoint(_ predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var length = count
        while length > 0 {
            let half = length / 2
            let middle = index(low, offsetBy: half)
            if predicate(self[middle]) {
                length = half
            } else {
                low = index(after: middle)
                length -= half + 1
            }
        }
        return low
    }
}
