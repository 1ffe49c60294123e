import ChatStore
import ChatStorePostgres
import NIOCore
import PostgresNIO
import Testing

@Suite(.serialized) struct PostgresChatDirectoryTests {
    /// One server for the whole contract (starting one per check would take most of the run); the tables
    /// are emptied between checks.
    @Test(.timeLimit(.minutes(2)))
    func directoryContract() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            let directory = PostgresChatDirectory(client: archive.client, logger: testLogger)
            try await directory.migrate()
            for check in DirectoryCheck.all {
                try await archive.client.query("TRUNCATE chat_users, chat_room_members, chat_rooms, chat_read_markers")
                try await check.run(directory)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func concurrentClaimsOfOneUsernameOrRoomNameLetExactlyOneWin() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            let directory = PostgresChatDirectory(client: archive.client, logger: testLogger)
            let users = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask { (try? await directory.createUser(DirectoryCheck.user("u\(index)", index % 2 == 0 ? "same" : "SAME"))) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            let rooms = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        (try? await directory.createRoom(DirectoryCheck.room("r\(index)", index % 2 == 0 ? "Hall" : "HALL"), members: ["u\(index)"])) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(users == 1 && rooms == 1)
            #expect(try await directory.rooms(kind: .public).count == 1)
        }
    }
}

@Suite(.serialized) struct PostgresArchiveChangeTests {
    @Test(.timeLimit(.minutes(1)))
    func changesApplyAndBatchesNeverOverwriteANewerRevision() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            let original = stored(1)
            #expect(try await archive.apply(.edit(body: "x", at: 1), to: original.id, in: "r") == nil)
            try await archive.insertBatch([original])
            #expect(try await archive.message(original.id, in: "r") == original)
            #expect(try await archive.message(original.id, in: "elsewhere") == nil)
            let edited = try await archive.apply(.edit(body: "edited", at: original.createdAt + 50), to: original.id, in: "r")
            #expect(edited == original.applying(.edit(body: "edited", at: original.createdAt + 50)))
            #expect(try await archive.insertBatch([original, stored(3)]) == 1)
            #expect(try await archive.message(original.id, in: "r") == edited)
            #expect(try await archive.insertBatch([original.applying(.edit(body: "older", at: original.createdAt + 40))]) == 0)
            #expect(try await archive.message(original.id, in: "r") == edited)
            let tombstone = original.applying(.delete(at: original.createdAt + 45))
            #expect(try await archive.insertBatch([tombstone]) == 0)
            #expect(try await archive.message(original.id, in: "r") == tombstone)
            #expect(try await archive.apply(.edit(body: "back", at: original.createdAt + 90), to: original.id, in: "r") == tombstone)
            #expect(try await archive.messages(in: "r", before: nil, limit: 5) == [stored(3), tombstone])
        }
    }
}

@Suite(.serialized) struct PostgresCopyTests {
    @Test(.timeLimit(.minutes(1)))
    func textThatNeedsEscapingRoundTripsThroughTheCopyPath() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            let awkward = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "bell\u{07}and\u{1F}unit", "", "plain ✓ ünïcode 🎉"]
            let messages = awkward.enumerated().map { index, body in
                var message = NewMessage(clientMessageID: "c\t\(index)", room: "r\\oom", sender: "s\n", body: body, metadata: ["k\t": "v\n\\"])
                    .stored(as: MessageID(milliseconds: 1_800_000_000_000 + UInt64(index), sequence: 0)!)
                if index == 1 { message.editedAt = 5 }
                return message
            }
            #expect(try await archive.insertBatch(messages) == messages.count)  // empty archive: the COPY path
            #expect(try await archive.messages(in: "r\\oom", before: nil, limit: 10) == messages.reversed())
            #expect(try await archive.insertBatch(messages) == 0)  // a repeat takes the idempotent path
            #expect(try await archive.count() == messages.count)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aBatchOverlappingArchivedMessagesInsertsOnlyTheNewOnes() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            let messages = (0..<6_000).map { stored($0) }
            #expect(try await archive.insertBatch(Array(messages[2_000..<3_000])) == 1_000)
            // Older than the newest archived: the idempotent path, whatever the chunking.
            #expect(try await archive.insertBatch(messages) == 5_000)
            #expect(try await archive.count() == 6_000)
        }
    }

    /// Two writers racing with the same batch (two servers backing up one Redis): both may see an empty
    /// archive and COPY; the loser's chunks fail on the primary key and it falls back to the idempotent path.
    @Test(.timeLimit(.minutes(1)))
    func racingWritersOfOneBatchStoreEachMessageOnceAndCountItOnce() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            let messages = (0..<10_000).map { stored($0) }
            async let first = archive.insertBatch(messages)
            async let second = archive.insertBatch(messages)
            let total = try await first + second
            #expect(total == 10_000)
            #expect(try await archive.count() == 10_000)
        }
    }

    /// The fast path's fallback hinges on recognising the error a `COPY` of an existing ID raises.
    @Test(.timeLimit(.minutes(1)))
    func aCopyOfAnExistingIDFailsWithTheUniqueViolationTheFallbackWaitsFor() async throws {
        try await withPostgresArchive { (archive, _) async throws in
            try await archive.insertBatch([stored(1)])
            var buffer = ByteBuffer()
            buffer.writeString("\(stored(1).id.rawValue)\tr\tc\ts\tb\t1\t\\N\t\\N\t{}\n")
            let rowCopy = buffer
            var thrown: (any Error)?
            do {
                try await archive.client.withConnection { connection in
                    try await connection.copyFrom(table: "chat_messages", columns: PostgresArchive.copyColumns, logger: testLogger) { writer in
                        try await writer.write(rowCopy)
                    }
                }
            } catch {
                thrown = error
            }
            #expect(thrown.map(PostgresArchive.isUniqueViolation) == true, "\(String(describing: thrown))")
            let connectionRefused = ChatStoreError(.unavailable, "down")
            #expect(!PostgresArchive.isUniqueViolation(connectionRefused))
        }
    }
}
