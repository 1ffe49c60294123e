import ChatStore
import ChatStoreSQLite
import Testing

@Suite struct SQLiteChatDirectoryTests {
    @Test(.timeLimit(.minutes(1)), arguments: DirectoryCheck.all)
    func directoryContract(_ check: DirectoryCheck) async throws {
        try await withArchive { (archive, _) async throws in
            try await check.run(SQLiteChatDirectory(sharing: archive))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func directoryAndArchiveShareOneFileAndSurviveAReopen() async throws {
        try await withArchive { (archive, path) async throws in
            let directory = SQLiteChatDirectory(sharing: archive)
            try await directory.createUser(DirectoryCheck.user("u1", "ann"))
            try await directory.createRoom(DirectoryCheck.room("r1", "General"), members: ["u1"])
            try await archive.insertBatch([message(1, room: "r1")])
            let reopened = try await SQLiteArchive.open(path: path, logger: .init(label: "test.sqlite"))
            try await reopened.migrate()
            let again = SQLiteChatDirectory(sharing: reopened)
            #expect(try await again.user(username: "ANN")?.id == "u1")
            #expect(try await again.members(of: "r1") == ["u1"])
            #expect(try await reopened.count() == 1)
            try await reopened.close()
        }
    }
}

@Suite struct SQLiteArchiveChangeTests {
    @Test(.timeLimit(.minutes(1)))
    func changesApplyToArchivedMessagesOfTheGivenRoomOnly() async throws {
        try await withArchive { (archive, _) async throws in
            let original = message(1)
            #expect(try await archive.apply(.edit(body: "x", at: 1), to: original.id, in: "r") == nil)
            try await archive.insertBatch([original])
            #expect(try await archive.message(original.id, in: "r") == original)
            #expect(try await archive.message(original.id, in: "elsewhere") == nil)
            #expect(try await archive.apply(.delete(at: 5), to: original.id, in: "elsewhere") == nil)
            let edited = try await archive.apply(.edit(body: "edited", at: original.createdAt + 50), to: original.id, in: "r")
            #expect(edited == original.applying(.edit(body: "edited", at: original.createdAt + 50)))
            #expect(try await archive.message(original.id, in: "r") == edited)
            let deleted = try await archive.apply(.delete(at: original.createdAt + 60), to: original.id, in: "r")
            #expect(deleted?.body == "" && deleted?.deletedAt == original.createdAt + 60 && deleted?.editedAt == edited?.editedAt)
            #expect(try await archive.apply(.edit(body: "back", at: original.createdAt + 70), to: original.id, in: "r") == deleted)
            #expect(try await archive.messages(in: "r", before: nil, limit: 5) == [deleted!])
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aBatchNeverOverwritesANewerRevisionButTakesANewerOne() async throws {
        try await withArchive { (archive, _) async throws in
            let original = message(1)
            try await archive.insertBatch([original])
            let edited = try await archive.apply(.edit(body: "edited", at: original.createdAt + 50), to: original.id, in: "r")!
            #expect(try await archive.insertBatch([original, message(2)]) == 1)
            #expect(try await archive.message(original.id, in: "r") == edited)
            let olderEdit = original.applying(.edit(body: "older", at: original.createdAt + 40))
            #expect(try await archive.insertBatch([olderEdit]) == 0)
            #expect(try await archive.message(original.id, in: "r") == edited)
            let tombstone = original.applying(.delete(at: original.createdAt + 45))
            #expect(try await archive.insertBatch([tombstone]) == 0)
            #expect(try await archive.message(original.id, in: "r") == tombstone)
            #expect(try await archive.insertBatch([edited]) == 0)
            #expect(try await archive.message(original.id, in: "r") == tombstone)
        }
    }
}
