import ChatStore
import NIOConcurrencyHelpers

/// An in-memory hot store that a test can take down: while down, every call fails with
/// `ChatStoreError.unavailable` and stores nothing.
final class FlakyHotStore: HotStore {
    let inner = InMemoryHotStore()
    private let down = NIOLockedValueBox(false)

    var isDown: Bool {
        get { down.withLockedValue { $0 } }
        set { down.withLockedValue { $0 = newValue } }
    }

    private func check() throws {
        if isDown { throw ChatStoreError(.unavailable, "the test took the hot store down") }
    }

    func append(_ message: NewMessage) async throws -> AppendResult {
        try check()
        return try await inner.append(message)
    }

    func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        try check()
        return try await inner.messages(in: room, before: before, limit: limit)
    }

    func pending(after checkpoint: MessageID?, limit: Int) async throws -> [StoredMessage] {
        try check()
        return try await inner.pending(after: checkpoint, limit: limit)
    }

    func trim(upTo id: MessageID) async throws {
        try check()
        try await inner.trim(upTo: id)
    }

    func message(_ id: MessageID, in room: String) async throws -> StoredMessage? {
        try check()
        return try await inner.message(id, in: room)
    }

    func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        try check()
        return try await inner.apply(change, to: id, in: room)
    }
}
