// The behaviour every ChatDirectory must show. This file is linked into ChatStoreSQLiteTests and
// ChatStoreIntegrationTests, which run the same checks against SQLite and PostgreSQL.
import ChatStore
import Testing

/// One named check of the ``ChatDirectory`` contract, run against a fresh, migrated directory.
struct DirectoryCheck: Sendable, CustomStringConvertible {
    let description: String
    let run: @Sendable (any ChatDirectory) async throws -> Void

    static let all: [DirectoryCheck] = [
        DirectoryCheck(description: "users are found by ID and by username regardless of case") { directory in
            try await directory.createUser(user("u1", "Ann"))
            #expect(try await directory.user(id: "u1") == user("u1", "Ann"))
            #expect(try await directory.user(username: "aNN")?.id == "u1")
            #expect(try await directory.user(username: "bob") == nil)
            #expect(try await directory.user(id: "u2") == nil)
        },
        DirectoryCheck(description: "taken usernames and user IDs conflict") { directory in
            try await directory.createUser(user("u1", "ann"))
            #expect(await errorCode { try await directory.createUser(user("u2", "ANN")) } == .conflict)
            #expect(await errorCode { try await directory.createUser(user("u1", "other")) } == .conflict)
            #expect(try await directory.user(id: "u2") == nil)
            #expect(try await directory.user(username: "other") == nil)
        },
        DirectoryCheck(description: "room names are unique regardless of case except for direct rooms") { directory in
            try await directory.createRoom(room("r1", "General"), members: ["u1"])
            #expect(await errorCode { try await directory.createRoom(room("r2", "general", .private), members: ["u9"]) } == .conflict)
            #expect(await errorCode { try await directory.createRoom(room("r1", "other"), members: []) } == .conflict)
            try await directory.createRoom(room("d1", "general", .direct), members: ["u1", "u2"])
            try await directory.createRoom(room("d2", "general", .direct), members: ["u1", "u3"])
            #expect(try await directory.room(id: "r2") == nil)
            #expect(try await directory.rooms(member: "u9").isEmpty)
            #expect(try await directory.room(id: "d2") == room("d2", "general", .direct))
            #expect(try await directory.room(id: "r1") == room("r1", "General"))
        },
        DirectoryCheck(description: "rooms are listed by kind and by member in creation order") { directory in
            try await directory.createRoom(room("b", "Later", at: 2_000), members: ["u1"])
            try await directory.createRoom(room("a", "Earlier", at: 1_000), members: ["u1", "u2", "u1"])
            try await directory.createRoom(room("p", "Secret", .private, at: 500), members: ["u2"])
            #expect(try await directory.rooms(kind: .public).map(\.id) == ["a", "b"])
            #expect(try await directory.rooms(kind: .private).map(\.id) == ["p"])
            #expect(try await directory.rooms(kind: .direct).isEmpty)
            #expect(try await directory.rooms(member: "u2").map(\.id) == ["p", "a"])
            #expect(try await directory.rooms(member: "u1") == [room("a", "Earlier", at: 1_000), room("b", "Later", at: 2_000)])
            #expect(try await directory.members(of: "a") == ["u1", "u2"])
        },
        DirectoryCheck(description: "membership changes are idempotent") { directory in
            try await directory.createRoom(room("r", "Room"), members: [])
            try await directory.addMember(room: "r", user: "u2")
            try await directory.addMember(room: "r", user: "u2")
            try await directory.addMember(room: "r", user: "u1")
            #expect(try await directory.members(of: "r") == ["u1", "u2"])
            #expect(try await directory.isMember(room: "r", user: "u2"))
            try await directory.removeMember(room: "r", user: "u2")
            try await directory.removeMember(room: "r", user: "u2")
            try await directory.removeMember(room: "nowhere", user: "u2")
            #expect(try await directory.members(of: "r") == ["u1"])
            #expect(try await !directory.isMember(room: "r", user: "u2"))
            #expect(try await directory.rooms(member: "u2").isEmpty)
            #expect(try await directory.members(of: "nowhere").isEmpty)
            #expect(await errorCode { try await directory.addMember(room: "nowhere", user: "u1") } == .notFound)
        },
        DirectoryCheck(description: "read markers never move back") { directory in
            let early = MessageID(milliseconds: 100, sequence: 0)!, late = MessageID(milliseconds: 200, sequence: 3)!
            #expect(try await directory.readMarker(room: "r", user: "u1") == nil)
            try await directory.setReadMarker(room: "r", user: "u1", messageID: late)
            try await directory.setReadMarker(room: "r", user: "u1", messageID: early)
            #expect(try await directory.readMarker(room: "r", user: "u1") == late)
            #expect(try await directory.readMarker(room: "r", user: "u2") == nil)
            try await directory.setReadMarker(room: "r", user: "u2", messageID: early)
            try await directory.setReadMarker(room: "r", user: "u2", messageID: late)
            #expect(try await directory.readMarker(room: "r", user: "u2") == late)
        },
        DirectoryCheck(description: "migrate is safe to repeat") { directory in
            try await directory.createUser(user("u1", "ann"))
            try await directory.migrate()
            #expect(try await directory.user(id: "u1") != nil)
        },
    ]

    static func user(_ id: String, _ username: String) -> UserRecord {
        UserRecord(id: id, username: username, displayName: "The \(username)", passwordHash: "hash-\(id)", createdAt: 1_000)
    }

    static func room(_ id: String, _ name: String, _ kind: RoomKind = .public, at time: Int64 = 1_000) -> RoomRecord {
        RoomRecord(id: id, name: name, kind: kind, createdBy: "u1", createdAt: time)
    }

    /// The ``ChatStoreError`` code `body` throws, or `nil` when it throws nothing or something else.
    static func errorCode(_ body: () async throws -> Void) async -> ChatStoreError.Code? {
        do {
            try await body()
            return nil
        } catch let error as ChatStoreError {
            return error.code
        } catch {
            return nil
        }
    }
}
