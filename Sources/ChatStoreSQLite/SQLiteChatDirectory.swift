import ChatStore
import SQLiteNIO

/// A ``ChatDirectory`` in the same SQLite file and on the same connection as a ``SQLiteArchive``.
///
/// Tables (see `SQLiteSchema`, version 2): `users` (unique `username_key`, the lowercased username),
/// `rooms` (`name_key` unique among non-direct rooms through a partial index), `room_members`,
/// `read_markers`. Writes share the archive's write lock; each is one transaction.
public final class SQLiteChatDirectory: ChatDirectory {
    private let database: SQLiteDatabase

    /// A directory in `archive`'s file. ``migrate()`` (or the archive's) creates its tables.
    public init(sharing archive: SQLiteArchive) {
        self.database = archive.database
    }

    public func migrate() async throws {
        try await database.migrate()
    }

    public func createUser(_ user: UserRecord) async throws {
        let key = DirectoryName.key(user.username)
        try await database.writeLock.withLock {
            try await database.transaction {
                let clash = try await database.query(
                    "SELECT id FROM users WHERE id = ? OR username_key = ? LIMIT 1", [.text(user.id), .text(key)]
                )
                if let existing = clash.first?.column("id")?.string {
                    throw ChatStoreError(
                        .conflict, existing == user.id ? "user id \(user.id) exists" : "username \(user.username) is taken"
                    )
                }
                try await database.run(
                    "INSERT INTO users (id, username, username_key, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [.text(user.id), .text(user.username), .text(key), .text(user.displayName), .text(user.passwordHash), .integer(Int(user.createdAt))]
                )
            }
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await users(where: "id = ?", .text(id)).first
    }

    public func user(username: String) async throws -> UserRecord? {
        try await users(where: "username_key = ?", .text(DirectoryName.key(username))).first
    }

    public func createRoom(_ room: RoomRecord, members: [String]) async throws {
        let key = DirectoryName.key(room.name)
        try await database.writeLock.withLock {
            try await database.transaction {
                if try await !database.query("SELECT 1 FROM rooms WHERE id = ?", [.text(room.id)]).isEmpty {
                    throw ChatStoreError(.conflict, "room id \(room.id) exists")
                }
                if DirectoryName.isUnique(room.kind),
                    try await !database.query("SELECT 1 FROM rooms WHERE name_key = ? AND kind <> 'direct'", [.text(key)]).isEmpty
                {
                    throw ChatStoreError(.conflict, "room name \(room.name) is taken")
                }
                try await database.run(
                    "INSERT INTO rooms (id, name, name_key, kind, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [.text(room.id), .text(room.name), .text(key), .text(room.kind.rawValue), .text(room.createdBy), .integer(Int(room.createdAt))]
                )
                for member in Set(members) {
                    try await database.run("INSERT INTO room_members (room_id, user_id) VALUES (?, ?)", [.text(room.id), .text(member)])
                }
            }
        }
    }

    public func room(id: String) async throws -> RoomRecord? {
        try await rooms(query: "SELECT \(Self.roomColumns) FROM rooms WHERE id = ?", [.text(id)]).first
    }

    public func rooms(kind: RoomKind) async throws -> [RoomRecord] {
        try await rooms(query: "SELECT \(Self.roomColumns) FROM rooms WHERE kind = ? ORDER BY created_at, id", [.text(kind.rawValue)])
    }

    public func rooms(member userID: String) async throws -> [RoomRecord] {
        try await rooms(
            query: """
                SELECT \(Self.roomColumns) FROM rooms JOIN room_members ON room_members.room_id = rooms.id
                WHERE room_members.user_id = ? ORDER BY created_at, id
                """,
            [.text(userID)]
        )
    }

    public func addMember(room: String, user: String) async throws {
        try await database.writeLock.withLock {
            try await database.transaction {
                if try await database.query("SELECT 1 FROM rooms WHERE id = ?", [.text(room)]).isEmpty {
                    throw ChatStoreError(.notFound, "room \(room) does not exist")
                }
                try await database.run("INSERT OR IGNORE INTO room_members (room_id, user_id) VALUES (?, ?)", [.text(room), .text(user)])
            }
        }
    }

    public func removeMember(room: String, user: String) async throws {
        try await database.writeLock.withLock {
            try await database.run("DELETE FROM room_members WHERE room_id = ? AND user_id = ?", [.text(room), .text(user)])
        }
    }

    public func members(of room: String) async throws -> [String] {
        try await database.query("SELECT user_id FROM room_members WHERE room_id = ? ORDER BY user_id", [.text(room)])
            .compactMap { $0.column("user_id")?.string }
    }

    public func isMember(room: String, user: String) async throws -> Bool {
        try await !database.query("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?", [.text(room), .text(user)]).isEmpty
    }

    public func setReadMarker(room: String, user: String, messageID: MessageID) async throws {
        try await database.writeLock.withLock {
            try await database.run(
                """
                INSERT INTO read_markers (room_id, user_id, message_id) VALUES (?, ?, ?)
                ON CONFLICT (room_id, user_id) DO UPDATE SET message_id = MAX(message_id, excluded.message_id)
                """,
                [.text(room), .text(user), .integer(SQLiteInt64(messageID.rawValue))]
            )
        }
    }

    public func readMarker(room: String, user: String) async throws -> MessageID? {
        let rows = try await database.query(
            "SELECT message_id FROM read_markers WHERE room_id = ? AND user_id = ?", [.text(room), .text(user)]
        )
        guard let row = rows.first else { return nil }
        guard let raw = row.column("message_id")?.integer, let id = MessageID(rawValue: Int64(raw)) else {
            throw ChatStoreError(.malformedRecord, "read marker of \(user) in \(room) is not a message id")
        }
        return id
    }

    // MARK: Rows

    private static let roomColumns = "rooms.id, rooms.name, rooms.kind, rooms.created_by, rooms.created_at"

    private func users(where condition: String, _ bind: SQLiteData) async throws -> [UserRecord] {
        let rows = try await database.query(
            "SELECT id, username, display_name, password_hash, created_at FROM users WHERE \(condition)", [bind]
        )
        return try rows.map { row throws(ChatStoreError) in
            guard let id = row.column("id")?.string, let username = row.column("username")?.string,
                let displayName = row.column("display_name")?.string, let hash = row.column("password_hash")?.string,
                let createdAt = row.column("created_at")?.integer
            else { throw ChatStoreError(.malformedRecord, "a users row has a missing or mistyped column") }
            return UserRecord(id: id, username: username, displayName: displayName, passwordHash: hash, createdAt: Int64(createdAt))
        }
    }

    private func rooms(query sql: String, _ binds: [SQLiteData]) async throws -> [RoomRecord] {
        try await database.query(sql, binds).map { row throws(ChatStoreError) in
            guard let id = row.column("id")?.string, let name = row.column("name")?.string,
                let kindText = row.column("kind")?.string, let kind = RoomKind(rawValue: kindText),
                let createdBy = row.column("created_by")?.string, let createdAt = row.column("created_at")?.integer
            else { throw ChatStoreError(.malformedRecord, "a rooms row has a missing or mistyped column") }
            return RoomRecord(id: id, name: name, kind: kind, createdBy: createdBy, createdAt: Int64(createdAt))
        }
    }
}
