import ChatStore
import ChatStorePostgres
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
