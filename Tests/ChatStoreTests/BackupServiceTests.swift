import ChatStore
import Logging
import NIOConcurrencyHelpers
import Testing

/// An in-memory archive whose next operations can be made to fail, as a database outage would.
final class FlakyArchive: MessageArchive {
    struct Outage: Error {}
    let inner = InMemoryArchive()
    private let failures = NIOLockedValueBox<[String: Int]>([:])

    /// Makes the next `count` calls of `operation` ("insert", "checkpoint", "read") throw.
    func fail(_ operation: String, times count: Int) { failures.withLockedValue { $0[operation] = count } }

    private func check(_ operation: String) throws {
        let shouldFail = failures.withLockedValue { failures -> Bool in
            guard let remaining = failures[operation], remaining > 0 else { return false }
            failures[operation] = remaining - 1
            return true
        }
        if shouldFail { throw Outage() }
    }

    func migrate() async throws {}
    func insertBatch(_ messages: [StoredMessage]) async throws -> Int {
        try check("insert")
        return try await inner.insertBatch(messages)
    }
    func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        try await inner.messages(in: room, before: before, limit: limit)
    }
    func readCheckpoint() async throws -> MessageID? {
        try check("read")
        return try await inner.readCheckpoint()
    }
    func writeCheckpoint(_ id: MessageID) async throws {
        try check("checkpoint")
        try await inner.writeCheckpoint(id)
    }
    func message(_ id: MessageID, in room: String) async throws -> StoredMessage? {
        try await inner.message(id, in: room)
    }
    func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        try await inner.apply(change, to: id, in: room)
    }
}

@Suite struct BackupServiceTests {
    let logger = Logger(label: "test.backup")

    func fill(_ hot: InMemoryHotStore, count: Int) async throws -> [StoredMessage] {
        var stored: [StoredMessage] = []
        for index in 0..<count { stored.append(try await hot.append(newMessage(index, room: "r\(index % 3)")).message) }
        return stored
    }

    @Test(.timeLimit(.minutes(1)))
    func runOnceMovesEverythingInBatchesAndTrims() async throws {
        let hot = InMemoryHotStore()
        let archive = InMemoryArchive()
        let stored = try await fill(hot, count: 25)
        let service = BackupService(hotStore: hot, archive: archive, configuration: BackupConfiguration(batchSize: 10), logger: logger)
        let summary = await service.runOnce()
        #expect(summary.batches == 3 && summary.messagesArchived == 25 && summary.messagesInserted == 25)
        #expect(archive.count == 25)
        #expect(hot.count == 0)
        #expect(try await archive.readCheckpoint() == stored.last!.id)
        #expect(await service.runOnce().batches == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func archiveOutageIsRetriedWithBackoffAndNothingIsLostDuplicatedOrTrimmedEarly() async throws {
        let hot = InMemoryHotStore()
        let archive = FlakyArchive()
        let stored = try await fill(hot, count: 12)
        archive.fail("insert", times: 3)
        let configuration = BackupConfiguration(batchSize: 5, maxAttempts: 5, retryBaseDelay: .milliseconds(5), retryMaxDelay: .milliseconds(20))
        let summary = await BackupService(hotStore: hot, archive: archive, configuration: configuration, logger: logger).runOnce()
        #expect(summary.failures == 3 && !summary.gaveUp)
        #expect(summary.messagesInserted == 12)
        #expect(archive.inner.count == 12)
        #expect(hot.count == 0)
        #expect(try await archive.readCheckpoint() == stored.last!.id)
    }

    @Test(.timeLimit(.minutes(1)))
    func persistentOutageGivesUpWithoutTrimmingAnything() async throws {
        let hot = InMemoryHotStore()
        let archive = FlakyArchive()
        _ = try await fill(hot, count: 4)
        archive.fail("insert", times: 100)
        let configuration = BackupConfiguration(batchSize: 5, maxAttempts: 3, retryBaseDelay: .milliseconds(1), retryMaxDelay: .milliseconds(2))
        let summary = await BackupService(hotStore: hot, archive: archive, configuration: configuration, logger: logger).runOnce()
        #expect(summary.gaveUp && summary.failures == 3)
        #expect(hot.count == 4)
        #expect(archive.inner.count == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func aCompletedRunRecordsItsTimeAndARunThatGaveUpDoesNot() async throws {
        let hot = InMemoryHotStore()
        let archive = FlakyArchive()
        _ = try await fill(hot, count: 4)
        let clock = TestClock(1_800_000_000_000)
        let configuration = BackupConfiguration(batchSize: 5, maxAttempts: 2, retryBaseDelay: .milliseconds(1), retryMaxDelay: .milliseconds(2))
        let service = BackupService(hotStore: hot, archive: archive, configuration: configuration, logger: logger, clock: clock.function)
        #expect(service.lastCompletedRunAt == nil)
        archive.fail("insert", times: 100)
        #expect(await service.runOnce().gaveUp)
        #expect(service.lastCompletedRunAt == nil, "a run that gave up is not a backup")
        archive.fail("insert", times: 0)
        #expect(await service.runOnce().messagesArchived == 4)
        #expect(service.lastCompletedRunAt == 1_800_000_000_000)
        clock.advance(by: 60_000)
        archive.fail("insert", times: 100)
        _ = try await fill(hot, count: 1)
        #expect(await service.runOnce().gaveUp)
        #expect(service.lastCompletedRunAt == 1_800_000_000_000, "a later failure keeps the last good run's time")
    }

    @Test(.timeLimit(.minutes(1)))
    func crashBetweenArchiveCommitAndCheckpointIsRepairedWithoutDuplicates() async throws {
        let hot = InMemoryHotStore()
        let archive = FlakyArchive()
        let stored = try await fill(hot, count: 7)
        archive.fail("checkpoint", times: 1)
        // The first run gives up right after the archive committed (one attempt only), like a crash.
        let crashing = BackupConfiguration(batchSize: 5, maxAttempts: 1)
        let first = await BackupService(hotStore: hot, archive: archive, configuration: crashing, logger: logger).runOnce()
        #expect(first.gaveUp && first.messagesInserted == 5)
        #expect(try await archive.readCheckpoint() == nil)
        #expect(hot.count == 7)
        let second = await BackupService(hotStore: hot, archive: archive, configuration: BackupConfiguration(batchSize: 5), logger: logger).runOnce()
        #expect(!second.gaveUp && second.messagesArchived == 7 && second.messagesInserted == 2)
        #expect(archive.inner.count == 7)
        #expect(hot.count == 0)
        let history = try await HistoryReader(hotStore: hot, archive: archive).page(room: "r0", limit: 100)
        #expect(history.messages == stored.filter { $0.room == "r0" }.reversed())
    }

    @Test(.timeLimit(.minutes(1)))
    func serviceRunsOnScheduleAndStopsWhenCancelled() async throws {
        let hot = InMemoryHotStore()
        let archive = InMemoryArchive()
        _ = try await fill(hot, count: 3)
        // The clock says one second before a minute boundary, so the first run comes after ~1 s.
        let clock = TestClock(1_800_000_059_000)
        let service = BackupService(hotStore: hot, archive: archive, configuration: BackupConfiguration(), logger: logger, clock: clock.function)
        let task = Task { try await service.run() }
        let deadline = ContinuousClock.now + .seconds(20)
        while archive.count < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        task.cancel()
        try await task.value
        #expect(archive.count == 3)
        #expect(hot.count == 0)
    }
}
