import ChatStore
import Logging
import NIOConcurrencyHelpers
import Testing

/// A one-shot signal that tasks can wait for.
final class Gate: Sendable {
    private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLockedValue { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// An in-memory hot store whose first `pending` read, once done, signals `pendingRead` and then waits for
/// `resume` before returning: the moment between a backup batch's read and its archive insert.
final class PausingHotStore: HotStore {
    let inner = InMemoryHotStore()
    let pendingRead = Gate()
    let resume = Gate()
    private let paused = NIOLockedValueBox(false)

    func append(_ message: NewMessage) async throws -> AppendResult { try await inner.append(message) }
    func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        try await inner.messages(in: room, before: before, limit: limit)
    }
    func pending(after checkpoint: MessageID?, limit: Int) async throws -> [StoredMessage] {
        let batch = try await inner.pending(after: checkpoint, limit: limit)
        let first = paused.withLockedValue { paused in defer { paused = true }; return !paused }
        if first {
            pendingRead.open()
            await resume.wait()
        }
        return batch
    }
    func trim(upTo id: MessageID) async throws { try await inner.trim(upTo: id) }
    func message(_ id: MessageID, in room: String) async throws -> StoredMessage? { try await inner.message(id, in: room) }
    func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        try await inner.apply(change, to: id, in: room)
    }
}

@Suite struct MessageStoreTests {
    let logger = Logger(label: "test.message-store")

    @Test(.timeLimit(.minutes(1)))
    func pagesAndLookupsSpanTheHotStoreAndTheArchive() async throws {
        let hot = InMemoryHotStore()
        let archive = InMemoryArchive()
        let store = MessageStore(hotStore: hot, archive: archive, backupConfiguration: BackupConfiguration(batchSize: 2), logger: logger)
        var stored: [StoredMessage] = []
        for index in 0..<3 { stored.append(try await store.append(newMessage(index)).message) }
        _ = await store.backup!.runOnce()
        for index in 3..<5 { stored.append(try await store.append(newMessage(index)).message) }
        #expect(archive.count == 3 && hot.count == 2)
        let page = try await store.page(room: "lobby", limit: 10)
        #expect(page.messages == stored.reversed() && page.nextCursor == nil)
        #expect(try await store.message(stored[0].id, in: "lobby") == stored[0])
        #expect(try await store.message(stored[4].id, in: "lobby") == stored[4])
        #expect(try await store.message(stored[4].id, in: "other") == nil)
        #expect(try await store.append(newMessage(4)).isDuplicate)
    }

    @Test(.timeLimit(.minutes(1)))
    func changesReachArchivedAndHotMessagesAndMissingOnesReturnNil() async throws {
        let archive = InMemoryArchive()
        let store = MessageStore(hotStore: InMemoryHotStore(), archive: archive, logger: logger)
        let archived = try await store.append(newMessage(1)).message
        _ = await store.backup!.runOnce()
        let hot = try await store.append(newMessage(2)).message
        let edited = try await store.apply(.edit(body: "edited", at: 10), to: archived.id, in: "lobby")
        #expect(edited?.body == "edited" && edited?.editedAt == 10)
        let deleted = try await store.apply(.delete(at: 11), to: hot.id, in: "lobby")
        #expect(deleted?.body == "" && deleted?.deletedAt == 11)
        #expect(try await store.page(room: "lobby", limit: 5).messages == [deleted!, edited!])
        #expect(try await store.apply(.delete(at: 12), to: hot.id, in: "elsewhere") == nil)
        #expect(try await store.apply(.delete(at: 12), to: MessageID(milliseconds: 1, sequence: 1)!, in: "lobby") == nil)
        // Archived later, the tombstone reaches the archive as it is.
        _ = await store.backup!.runOnce()
        #expect(try await archive.message(hot.id, in: "lobby") == deleted)
    }

    @Test func editsLongerThanTheBodyLimitAreRejected() async throws {
        let store = MessageStore(hotStore: InMemoryHotStore(), archive: nil, limits: MessageLimits(maxBodyBytes: 4), logger: logger)
        let message = try await store.append(NewMessage(clientMessageID: "c", room: "r", sender: "s", body: "ok")).message
        await #expect(throws: ChatStoreError.self) {
            try await store.apply(.edit(body: "too long", at: 5), to: message.id, in: "r")
        }
        #expect(try await store.message(message.id, in: "r")?.body == "ok")
        #expect(store.backup == nil)
    }

    /// Without the shared lock, the edit would land between the batch's read and its trim: the archive
    /// would receive the old copy and the trim would drop the edited one.
    @Test(.timeLimit(.minutes(1)))
    func anEditDuringABackupBatchWaitsForTheBatchAndIsNotLost() async throws {
        let hot = PausingHotStore()
        let archive = InMemoryArchive()
        let store = MessageStore(hotStore: hot, archive: archive, logger: logger)
        let message = try await store.append(newMessage(1)).message
        let backup = Task { await store.backup!.runOnce() }
        await hot.pendingRead.wait()  // the batch holds the old copy
        let edit = Task { try await store.apply(.edit(body: "edited", at: 99), to: message.id, in: "lobby") }
        while store.lock.waiterCount == 0 { await Task.yield() }  // the edit is queued behind the batch
        hot.resume.open()
        let summary = await backup.value
        let edited = try await edit.value
        #expect(summary.messagesInserted == 1 && hot.inner.count == 0)
        #expect(edited?.body == "edited")
        #expect(try await archive.message(message.id, in: "lobby")?.body == "edited")
        #expect(try await store.page(room: "lobby", limit: 5).messages.map(\.body) == ["edited"])
    }
}
