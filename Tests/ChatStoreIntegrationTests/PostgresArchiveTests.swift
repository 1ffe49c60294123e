import ChatStore
import ChatStorePostgres
import PostgresNIO
import Testing

func stored(_ index: Int, room: String = "r") -> StoredMessage {
    var message = newMessage(index, room: room).stored(as: MessageID(milliseconds: 1_800_000_000_000 + UInt64(index), sequence: 1)!)
    if index.isMultiple(of: 4) { message.editedAt = message.createdAt + 1 }
    if index.isMultiple(of: 6) { message.deletedAt = message.createdAt + 2 }
    return message
}

@Suite(.serialized) struct PostgresArchiveTests {
    @Test(.timeLimit(.minutes(2)))
    func archiveRoundTripsIsIdempotentAndCheckpointsMonotonically() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            let messages = (0..<25_000).map { stored($0, room: $0 % 10 == 0 ? "ten" : "r") }
            #expect(try await archive.insertBatch(Array(messages[0..<12_000])) == 12_000)
            #expect(try await archive.insertBatch(messages) == 13_000)
            #expect(try await archive.insertBatch(messages) == 0)
            #expect(try await archive.count() == 25_000)
            let page = try await archive.messages(in: "ten", before: nil, limit: 3)
            #expect(page == [messages[24_990], messages[24_980], messages[24_970]])
            #expect(try await archive.messages(in: "ten", before: messages[30].id, limit: 5) == [messages[20], messages[10], messages[0]])
            #expect(try await archive.readCheckpoint() == nil)
            try await archive.writeCheckpoint(messages[10].id)
            try await archive.writeCheckpoint(messages[5].id)
            #expect(try await archive.readCheckpoint() == messages[10].id)
            try await archive.migrate()
            #expect(try await archive.count() == 25_000)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func historyPagesUseTheRoomIndex() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            try await archive.insertBatch((0..<2000).map { stored($0, room: "room\($0 % 50)") })
            let plan = try await archive.client.withConnection { connection in
                try await connection.query("ANALYZE chat_messages", logger: testLogger)
                try await connection.query("SET enable_seqscan = off", logger: testLogger)
                var plan = ""
                for try await line in try await connection.query(
                    "EXPLAIN SELECT id FROM chat_messages WHERE room = 'room7' AND id < 9000000000000000000 ORDER BY id DESC LIMIT 50",
                    logger: testLogger
                ).decode(String.self) {
                    plan += line + "\n"
                }
                return plan
            }
            #expect(plan.contains("chat_messages_room_id"), "\(plan)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func malformedRowsAndNewerSchemasAreClearErrors() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            try await archive.client.query(
                "INSERT INTO chat_messages (id, room, client_message_id, sender, body, created_at, metadata) VALUES (7, 'bad', 'c', 's', 'b', 1, '{\"n\":1}')"
            )
            await #expect {
                try await archive.messages(in: "bad", before: nil, limit: 10)
            } throws: { error in
                (error as? ChatStoreError)?.code == .malformedRecord
            }
            try await archive.client.query("INSERT INTO chat_schema_migrations (version) VALUES (42)")
            await #expect {
                try await archive.migrate()
            } throws: { error in
                (error as? ChatStoreError)?.code == .schemaMismatch
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func unreachableServerIsAnUnavailableError() async throws {
        try await withPostgresArchive(operationTimeout: .seconds(2)) { (archive, server) async throws in
            server.kill()
            await #expect {
                try await archive.insertBatch([stored(1)])
            } throws: { error in
                (error as? ChatStoreError)?.code == .unavailable
            }
        }
    }
}
