import NIOConcurrencyHelpers

/// A ``MessageArchive`` in process memory: for tests and development. Nothing survives a restart.
public final class InMemoryArchive: MessageArchive {
    private struct State {
        var messages: [MessageID: StoredMessage] = [:]
        var rooms: [String: [MessageID]] = [:]
        var checkpoint: MessageID?
    }

    private let state = NIOLockedValueBox(State())

    /// Creates an empty archive.
    public init() {}

    public func migrate() async throws {}

    @discardableResult
    public func insertBatch(_ messages: [StoredMessage]) async throws -> Int {
        state.withLockedValue { state in
            var inserted = 0
            var touched: Set<String> = []
            for message in messages {
                if let stored = state.messages[message.id] {
                    if message.isNewerRevision(than: stored) { state.messages[message.id] = message }
                    continue
                }
                state.messages[message.id] = message
                state.rooms[message.room, default: []].append(message.id)
                touched.insert(message.room)
                inserted += 1
            }
            for room in touched { state.rooms[room]!.sort() }
            return inserted
        }
    }

    public func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        try MessageLimits.checkPageLimit(limit)
        return state.withLockedValue { state in
            guard let ids = state.rooms[room] else { return [] }
            return ids[ids.newestPage(before: before, limit: limit)].reversed().map { state.messages[$0]! }
        }
    }

    public func readCheckpoint() async throws -> MessageID? {
        state.withLockedValue { $0.checkpoint }
    }

    public func writeCheckpoint(_ id: MessageID) async throws {
        state.withLockedValue { state in
            if state.checkpoint.map({ id > $0 }) ?? true { state.checkpoint = id }
        }
    }

    public func message(_ id: MessageID, in room: String) async throws -> StoredMessage? {
        state.withLockedValue { state in state.messages[id].flatMap { $0.room == room ? $0 : nil } }
    }

    public func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        state.withLockedValue { state in
            guard let stored = state.messages[id], stored.room == room else { return nil }
            let changed = stored.applying(change)
            state.messages[id] = changed
            return changed
        }
    }

    /// Number of archived messages.
    public var count: Int { state.withLockedValue { $0.messages.count } }
}
