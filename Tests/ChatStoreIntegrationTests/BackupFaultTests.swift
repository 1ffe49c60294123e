import ChatStore
import ChatStorePostgres
import ChatStoreRedis
import Logging
import PostgresNIO
import Testing

/// Checks the archive holds exactly `expected` (by ID and content), each once.
func expectArchiveHolds(_ archive: PostgresArchive, exactly expected: [StoredMessage]) async throws {
    var counts: [Int64: Int] = [:]
    for try await (id, n) in try await archive.client.query("SELECT id, COUNT(*)::BIGINT FROM chat_messages GROUP BY id").decode((Int64, Int64).self) {
        counts[id] = Int(n)
    }
    #expect(counts.count == expected.count)
    #expect(counts.values.allSatisfy { $0 == 1 })
    #expect(Set(counts.keys) == Set(expected.map(\.id.rawValue)))
}

@Suite(.serialized) struct BackupFaultTests {
    func fill(_ hot: some HotStore, count: Int) async throws -> [StoredMessage] {
        var result: [StoredMessage] = []
        for index in 0..<count { result.append(try await hot.append(newMessage(index, room: "room\(index % 4)")).message) }
        return result
    }

    @Test(.timeLimit(.minutes(2)))
    func backupMovesRedisIntoPostgresAndHistoryIsSeamlessThroughout() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            try await withRedisHotStore { (hot, _) async throws in
                let all = try await fill(hot, count: 1_000)
                let reader = HistoryReader(hotStore: hot, archive: archive)
                let expected = Array(all.filter { $0.room == "room2" }.reversed())
                func readAll() async throws -> [StoredMessage] {
                    var seen: [StoredMessage] = []
                    var cursor: MessageID?
                    repeat {
                        let page = try await reader.page(room: "room2", before: cursor, limit: 37)
                        seen += page.messages
                        cursor = page.nextCursor
                    } while cursor != nil
                    return seen
                }
                #expect(try await readAll() == expected)
                let service = BackupService(hotStore: hot, archive: archive, configuration: BackupConfiguration(batchSize: 300), logger: testLogger)
                let summary = await service.runOnce()
                #expect(summary.batches == 4 && summary.messagesInserted == 1_000 && !summary.gaveUp)
                #expect(try await hot.pending(after: nil, limit: 10).isEmpty)
                #expect(try await readAll() == expected)
                try await expectArchiveHolds(archive, exactly: all)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func postgresDownDuringBackupRetriesWithBackoffWithoutLossDuplicatesOrEarlyTrim() async throws {
        try await withPostgresArchive(operationTimeout: .seconds(2)) { (archive, postgres) async throws in
            try await withRedisHotStore { (hot, _) async throws in
                let all = try await fill(hot, count: 500)
                postgres.kill()
                let configuration = BackupConfiguration(
                    batchSize: 200, maxAttempts: 50, retryBaseDelay: .milliseconds(50), retryMaxDelay: .milliseconds(400)
                )
                let service = BackupService(hotStore: hot, archive: archive, configuration: configuration, logger: testLogger)
                let run = Task { await service.runOnce() }
                // Down for longer than two operation timeouts, so that at least two attempts fail.
                try await Task.sleep(for: .seconds(5))
                // While the archive is down nothing may leave the hot store.
                #expect(try await hot.pending(after: nil, limit: 1_000).count == 500)
                try await postgres.start()
                let summary = await run.value
                #expect(!summary.gaveUp)
                #expect(summary.failures >= 2, "the outage must have caused retries")
                #expect(summary.messagesInserted == 500)
                #expect(try await hot.pending(after: nil, limit: 10).isEmpty)
                try await expectArchiveHolds(archive, exactly: all)
                #expect(try await archive.readCheckpoint() == all.last!.id)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func backupAbortedBetweenArchiveCommitAndCheckpointCompletesNextRunWithoutDuplicates() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            try await withRedisHotStore { (hot, _) async throws in
                let all = try await fill(hot, count: 700)
                // A run that committed one batch and died before writing its checkpoint (or trimming).
                let firstBatch = try await hot.pending(after: nil, limit: 250)
                #expect(try await archive.insertBatch(firstBatch) == 250)
                #expect(try await archive.readCheckpoint() == nil)
                // A second run that died after the checkpoint but before the trim.
                let secondBatch = try await hot.pending(after: firstBatch.last!.id, limit: 250)
                // (the repeated first batch is ignored by the archive)
                #expect(try await archive.insertBatch(firstBatch + secondBatch) == 250)
                try await archive.writeCheckpoint(secondBatch.last!.id)
                #expect(try await hot.pending(after: nil, limit: 1_000).count == 700)

                let summary = await BackupService(
                    hotStore: hot, archive: archive, configuration: BackupConfiguration(batchSize: 250), logger: testLogger
                ).runOnce()
                #expect(!summary.gaveUp && summary.messagesInserted == 200)
                #expect(try await hot.pending(after: nil, limit: 10).isEmpty)
                try await expectArchiveHolds(archive, exactly: all)
            }
        }
    }
}
