import ChatStore
import ChatStoreSQLite
import Foundation
import Logging
import SQLiteNIO
import Testing

/// A fresh archive in a temporary directory, removed afterwards.
func withArchive<T>(_ body: (SQLiteArchive, String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatstore-sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("archive.sqlite").path
    let archive = try await SQLiteArchive.open(path: path, logger: Logger(label: "test.sqlite"))
    try await archive.migrate()
    do {
        let result = try await body(archive, path)
        try await archive.close()
        return result
    } catch {
        try? await archive.close()
        throw error
    }
}

func message(_ index: Int, room: String = "r", sequence: UInt64 = 0) -> StoredMessage {
    var stored = NewMessage(clientMessageID: "c\(index)", room: room, sender: "s\(index)", body: "body \(index) é", metadata: index.isMultiple(of: 2) ? ["k": "v\(index)"] : [:])
        .stored(as: MessageID(milliseconds: 1_800_000_000_000 + UInt64(index), sequence: sequence)!)
    if index.isMultiple(of: 5) { stored.editedAt = stored.createdAt + 10 }
    if index.isMultiple(of: 7) { stored.deletedAt = stored.createdAt + 20 }
    return stored
}

@Suite struct SQLiteArchiveTests {
    @Test(.timeLimit(.minutes(1)))
    func insertedMessagesRoundTripNewestFirstWithCursor() async throws {
        try await withArchive { (archive, _) async throws in
            let messages = (0..<30).map { message($0, room: $0 < 20 ? "r" : "other") }
            #expect(try await archive.insertBatch(messages) == 30)
            let page = try await archive.messages(in: "r", before: nil, limit: 8)
            #expect(page == Array(messages[12..<20].reversed()))
            let next = try await archive.messages(in: "r", before: page.last!.id, limit: 100)
            #expect(next == Array(messages[0..<12].reversed()))
            #expect(try await archive.messages(in: "nobody", before: nil, limit: 5).isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func insertIsIdempotentOnMessageID() async throws {
        try await withArchive { (archive, _) async throws in
            let messages = (0..<1200).map { message($0) }
            #expect(try await archive.insertBatch(Array(messages[0..<700])) == 700)
            #expect(try await archive.insertBatch(messages) == 500)
            #expect(try await archive.insertBatch(messages) == 0)
            #expect(try await archive.count() == 1200)
            #expect(try await archive.insertBatch([]) == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func checkpointStartsEmptyAndNeverMovesBackwards() async throws {
        try await withArchive { (archive, _) async throws in
            #expect(try await archive.readCheckpoint() == nil)
            try await archive.writeCheckpoint(message(5).id)
            try await archive.writeCheckpoint(message(3).id)
            #expect(try await archive.readCheckpoint() == message(5).id)
            try await archive.writeCheckpoint(message(9).id)
            #expect(try await archive.readCheckpoint() == message(9).id)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func dataSurvivesReopeningAndMigrateIsRepeatable() async throws {
        try await withArchive { (archive, path) async throws in
            try await archive.insertBatch([message(1), message(2)])
            try await archive.writeCheckpoint(message(2).id)
            let reopened = try await SQLiteArchive.open(path: path, logger: Logger(label: "test"))
            try await reopened.migrate()
            try await reopened.migrate()
            #expect(try await reopened.messages(in: "r", before: nil, limit: 10) == [message(2), message(1)])
            #expect(try await reopened.readCheckpoint() == message(2).id)
            try await reopened.close()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func journalIsWALAndTheRoomIndexServesHistory() async throws {
        try await withArchive { (_, path) async throws in
            let connection = try await SQLiteConnection.open(storage: .file(path: path))
            let mode = try await connection.query("PRAGMA journal_mode").first?.column("journal_mode")?.string
            #expect(mode == "wal")
            let plan = try await connection.query("EXPLAIN QUERY PLAN SELECT * FROM messages WHERE room = 'r' AND id < 5 ORDER BY id DESC LIMIT 10")
            #expect(plan.contains { $0.column("detail")?.string?.contains("messages_room_id") == true })
            try await connection.close()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func malformedRowsAreClearErrors() async throws {
        try await withArchive { (archive, path) async throws in
            let connection = try await SQLiteConnection.open(storage: .file(path: path))
            _ = try await connection.query("INSERT INTO messages (id, room, client_message_id, sender, body, created_at, metadata) VALUES (1, 'bad', 'c', 's', 'b', 1, 'not json')")
            _ = try await connection.query("INSERT INTO messages (id, room, client_message_id, sender, body, created_at, metadata) VALUES (-5, 'neg', 'c', 's', 'b', 1, '{}')")
            try await connection.close()
            await #expect {
                try await archive.messages(in: "bad", before: nil, limit: 10)
            } throws: { error in
                (error as? ChatStoreError)?.code == .malformedRecord
            }
            await #expect {
                try await archive.messages(in: "neg", before: nil, limit: 10)
            } throws: { error in
                (error as? ChatStoreError)?.code == .malformedRecord
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func newerSchemaIsRefused() async throws {
        try await withArchive { (archive, path) async throws in
            let connection = try await SQLiteConnection.open(storage: .file(path: path))
            _ = try await connection.query("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
            try await connection.close()
            await #expect {
                try await archive.migrate()
            } throws: { error in
                (error as? ChatStoreError)?.code == .schemaMismatch
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func backupServiceMovesTheHotStoreIntoSQLiteAndHistoryStaysSeamless() async throws {
        try await withArchive { (archive, _) async throws in
            let hot = InMemoryHotStore()
            var stored: [StoredMessage] = []
            for index in 0..<2_345 {
                stored.append(try await hot.append(NewMessage(clientMessageID: "c\(index)", room: "r\(index % 3)", sender: "s", body: "\(index)")).message)
            }
            let reader = HistoryReader(hotStore: hot, archive: archive)
            let service = BackupService(hotStore: hot, archive: archive, configuration: BackupConfiguration(batchSize: 1000), logger: Logger(label: "test"))
            let summary = await service.runOnce()
            #expect(summary.messagesInserted == 2_345 && summary.batches == 3)
            #expect(hot.count == 0)
            #expect(try await archive.readCheckpoint() == stored.last!.id)
            var seen: [StoredMessage] = []
            var cursor: MessageID?
            repeat {
                let page = try await reader.page(room: "r1", before: cursor, limit: 100)
                seen += page.messages
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == stored.filter { $0.room == "r1" }.reversed())
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func concurrentBatchesDoNotInterleaveTransactions() async throws {
        try await withArchive { (archive, _) async throws in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<8 {
                    group.addTask { try await archive.insertBatch((0..<300).map { message(worker * 1000 + $0) }) }
                }
                var total = 0
                for try await inserted in group { total += inserted }
                #expect(total == 2_400)
            }
            #expect(try await archive.count() == 2_400)
        }
    }
}
