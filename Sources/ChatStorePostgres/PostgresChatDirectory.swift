import ChatStore
import Logging
import PostgresNIO

/// A ``ChatDirectory`` in PostgreSQL, in the same database and schema history as ``PostgresArchive``.
///
/// Tables (see `PostgresSchema`, version 2): `chat_users` (unique `username_key`, the lowercased
/// username), `chat_rooms` (`name_key` unique among non-direct rooms through a partial index),
/// `chat_room_members`, `chat_read_markers`. Uniqueness is enforced by the database, so concurrent
/// servers sharing it cannot both take a name.
///
/// The caller owns the `PostgresClient` and must keep its `run()` going.
public final class PostgresChatDirectory: ChatDirectory {
    /// The client the directory runs its queries through.
    public let client: PostgresClient
    private let logger: Logger
    private let operation: PostgresOperation

    /// Creates a directory over `client`; each operation fails as ``ChatStoreError/Code/unavailable`` after
    /// `operationTimeout`. Call ``migrate()`` before use.
    public init(client: PostgresClient, logger: Logger, operationTimeout: Duration = .seconds(30)) {
        self.client = client
        self.logger = logger
        self.operation = PostgresOperation(timeout: operationTimeout, subject: "PostgreSQL directory")
    }

    public func migrate() async throws {
        try await operation.run("migrate") { [self] in try await PostgresSchema.migrate(client: client, logger: logger) }
    }

    public func createUser(_ user: UserRecord) async throws {
        let key = DirectoryName.key(user.username)
        try await operation.run("create user") { [self] in
            let rows = try await client.query(
                """
                INSERT INTO chat_users (id, username, username_key, display_name, password_hash, created_at)
                VALUES (\(user.id), \(user.username), \(key), \(user.displayName), \(user.passwordHash), \(user.createdAt))
                ON CONFLICT DO NOTHING RETURNING 1
                """,
                logger: logger
            )
            if try await Self.count(rows) == 0 {
                let idTaken = try await Self.count(client.query("SELECT 1 FROM chat_users WHERE id = \(user.id)", logger: logger)) > 0
                throw ChatStoreError(.conflict, idTaken ? "user id \(user.id) exists" : "username \(user.username) is taken")
            }
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await users("SELECT id, username, display_name, password_hash, created_at FROM chat_users WHERE id = \(id)").first
    }

    public func user(username: String) async throws -> UserRecord? {
        let key = DirectoryName.key(username)
        return try await users("SELECT id, username, display_name, password_hash, created_at FROM chat_users WHERE username_key = \(key)").first
    }

    public func createRoom(_ room: RoomRecord, members: [String]) async throws {
        let key = DirectoryName.key(room.name)
        let members = Array(Set(members))
        try await operation.run("create room") { [self] in
            try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO chat_rooms (id, name, name_key, kind, created_by, created_at)
                    VALUES (\(room.id), \(room.name), \(key), \(room.kind.rawValue), \(room.createdBy), \(room.createdAt))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """,
                    logger: logger
                )
                if try await Self.count(rows) == 0 {
                    let idTaken = try await Self.count(connection.query("SELECT 1 FROM chat_rooms WHERE id = \(room.id)", logger: logger)) > 0
                    throw ChatStoreError(.conflict, idTaken ? "room id \(room.id) exists" : "room name \(room.name) is taken")
                }
                if !members.isEmpty {
                    try await connection.query(
                        "INSERT INTO chat_room_members (room_id, user_id) SELECT \(room.id), UNNEST(\(members)::TEXT[])",
                        logger: logger
                    )
                }
            }
        }
    }

    public func room(id: String) async throws -> RoomRecord? {
        try await rooms("SELECT \(unescaped: Self.roomColumns) FROM chat_rooms r WHERE r.id = \(id)").first
    }

    public func rooms(kind: RoomKind) async throws -> [RoomRecord] {
        try await rooms("SELECT \(unescaped: Self.roomColumns) FROM chat_rooms r WHERE r.kind = \(kind.rawValue) ORDER BY r.created_at, r.id")
    }

    public func rooms(member userID: String) async throws -> [RoomRecord] {
        try await rooms(
            """
            SELECT \(unescaped: Self.roomColumns) FROM chat_rooms r JOIN chat_room_members m ON m.room_id = r.id
            WHERE m.user_id = \(userID) ORDER BY r.created_at, r.id
            """
        )
    }

    public func addMember(room: String, user: String) async throws {
        try await operation.run("add member") { [self] in
            let rows = try await client.query(
                """
                INSERT INTO chat_room_members (room_id, user_id) SELECT id, \(user) FROM chat_rooms WHERE id = \(room)
                ON CONFLICT DO NOTHING RETURNING 1
                """,
                logger: logger
            )
            if try await Self.count(rows) == 0,
                try await Self.count(client.query("SELECT 1 FROM chat_rooms WHERE id = \(room)", logger: logger)) == 0
            {
                throw ChatStoreError(.notFound, "room \(room) does not exist")
            }
        }
    }

    public func removeMember(room: String, user: String) async throws {
        try await operation.run("remove member") { [self] in
            try await client.query("DELETE FROM chat_room_members WHERE room_id = \(room) AND user_id = \(user)", logger: logger)
        }
    }

    public func members(of room: String) async throws -> [String] {
        try await operation.run("list members") { [self] in
            var members: [String] = []
            for try await member in try await client.query(
                "SELECT user_id FROM chat_room_members WHERE room_id = \(room) ORDER BY user_id", logger: logger
            ).decode(String.self) {
                members.append(member)
            }
            return members
        }
    }

    public func isMember(room: String, user: String) async throws -> Bool {
        try await operation.run("check member") { [self] in
            try await Self.count(
                client.query("SELECT 1 FROM chat_room_members WHERE room_id = \(room) AND user_id = \(user)", logger: logger)
            ) > 0
        }
    }

    public func setReadMarker(room: String, user: String, messageID: MessageID) async throws {
        try await operation.run("set read marker") { [self] in
            try await client.query(
                """
                INSERT INTO chat_read_markers (room_id, user_id, message_id) VALUES (\(room), \(user), \(messageID.rawValue))
                ON CONFLICT (room_id, user_id) DO UPDATE
                SET message_id = GREATEST(chat_read_markers.message_id, EXCLUDED.message_id)
                """,
                logger: logger
            )
        }
    }

    public func readMarker(room: String, user: String) async throws -> MessageID? {
        try await operation.run("read marker") { [self] in
            var result: MessageID?
            for try await raw in try await client.query(
                "SELECT message_id FROM chat_read_markers WHERE room_id = \(room) AND user_id = \(user)", logger: logger
            ).decode(Int64.self) {
                guard let id = MessageID(rawValue: raw) else {
                    throw ChatStoreError(.malformedRecord, "read marker of \(user) in \(room) is not a message id")
                }
                result = id
            }
            return result
        }
    }

    // MARK: Rows

    private static let roomColumns = "r.id, r.name, r.kind, r.created_by, r.created_at"

    private static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    private func users(_ query: PostgresQuery) async throws -> [UserRecord] {
        try await operation.run("read user") { [self] in
            var result: [UserRecord] = []
            for try await (id, username, displayName, hash, createdAt) in try await client.query(query, logger: logger)
                .decode((String, String, String, String, Int64).self)
            {
                result.append(UserRecord(id: id, username: username, displayName: displayName, passwordHash: hash, createdAt: createdAt))
            }
            return result
        }
    }

    private func rooms(_ query: PostgresQuery) async throws -> [RoomRecord] {
        try await operation.run("read rooms") { [self] in
            var result: [RoomRecord] = []
            for try await (id, name, kindText, createdBy, createdAt) in try await client.query(query, logger: logger)
                .decode((String, String, String, String, Int64).self)
            {
                guard let kind = RoomKind(rawValue: kindText) else {
                    throw ChatStoreError(.malformedRecord, "room \(id) has an unknown kind \"\(kindText)\"")
                }
                result.append(RoomRecord(id: id, name: name, kind: kind, createdBy: createdBy, createdAt: createdAt))
            }
            return result
        }
    }
}
