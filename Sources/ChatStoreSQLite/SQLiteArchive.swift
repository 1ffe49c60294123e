import ChatStore
import Logging
import NIOCore
import SQLiteNIO

/// A ``MessageArchive`` in one SQLite file, in WAL mode.
///
/// Schema (see `SQLiteSchema`): `messages` keyed by the message ID (unique) with an index on `(room, id)`
/// that serves history pages by room and cursor; `backup_checkpoint`; `schema_migrations`. The same file
/// holds the chat directory (``SQLiteChatDirectory``). Writes are serialized on one connection; each batch
/// is one transaction.
public final class SQLiteArchive: MessageArchive {
    /// The database file.
    public var path: String { database.path }
    let database: SQLiteDatabase

    /// Rows per multi-row `INSERT` statement (9 parameters each, well under SQLite's 32 766).
    static let rowsPerStatement = 500

    private init(database: SQLiteDatabase) {
        self.database = database
    }

    /// Opens (creating if needed) the archive file at `path` and sets WAL mode, `synchronous = FULL` and a
    /// busy timeout. Call ``migrate()`` before use.
    public static func open(path: String, logger: Logger) async throws -> SQLiteArchive {
        SQLiteArchive(database: try await SQLiteDatabase.open(path: path, logger: logger))
    }

    /// Closes the connection (shared with a ``SQLiteChatDirectory`` over this archive). No call may follow.
    public func close() async throws {
        try await database.connection.close()
    }

    /// Creates or upgrades the schema of the whole file (archive and directory); safe to call on every start.
    public func migrate() async throws {
        try await database.migrate()
    }

    @discardableResult
    public func insertBatch(_ messages: [StoredMessage]) async throws -> Int {
        guard !messages.isEmpty else { return 0 }
        return try await database.writeLock.withLock {
            try await database.transaction {
                var inserted = 0
                var start = 0
                while start < messages.count {
                    let chunk = messages[start..<min(start + Self.rowsPerStatement, messages.count)]
                    var sql = "INSERT OR IGNORE INTO messages (id, room, client_message_id, sender, body, created_at, edited_at, deleted_at, metadata) VALUES "
                    var binds: [SQLiteData] = []
                    binds.reserveCapacity(chunk.count * 9)
                    for (offset, message) in chunk.enumerated() {
                        sql += offset == 0 ? "(?,?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?,?)"
                        binds.append(.integer(SQLiteInt64(message.id.rawValue)))
                        binds.append(.text(message.room))
                        binds.append(.text(message.clientMessageID))
                        binds.append(.text(message.sender))
                        binds.append(.text(message.body))
                        binds.append(.integer(SQLiteInt64(message.createdAt)))
                        binds.append(Self.optional(message.editedAt))
                        binds.append(Self.optional(message.deletedAt))
                        binds.append(.text(MetadataCoding.encode(message.metadata)))
                    }
                    try await database.run(sql, binds)
                    inserted += try await database.changes()
                    start += chunk.count
                }
                // Copies that carry a change may be newer than a stored copy (never older ones: see the update's
                // condition). Unchanged copies can never be newer, so the common batch skips this entirely.
                for message in messages where message.editedAt != nil || message.deletedAt != nil {
                    try await store(message, onlyIfNewer: true)
                }
                return inserted
            }
        }
    }

    public func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        guard limit >= 1, limit <= 10_000 else {
            throw ChatStoreError(.invalidArgument, "page limit \(limit) is outside 1…10000")
        }
        let rows = try await database.query(
            "SELECT \(Self.columns) FROM messages WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?",
            [.text(room), .integer(SQLiteInt64(before?.rawValue ?? Int64.max)), .integer(limit)]
        )
        return try rows.map { row throws(ChatStoreError) in try Self.message(from: row) }
    }

    public func message(_ id: MessageID, in room: String) async throws -> StoredMessage? {
        let rows = try await database.query(
            "SELECT \(Self.columns) FROM messages WHERE id = ? AND room = ?",
            [.integer(SQLiteInt64(id.rawValue)), .text(room)]
        )
        return try rows.first.map { row throws(ChatStoreError) in try Self.message(from: row) }
    }

    public func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        try await database.writeLock.withLock {
            try await database.transaction {
                guard let stored = try await message(id, in: room) else { return nil }
                let changed = stored.applying(change)
                if changed != stored { try await store(changed, onlyIfNewer: false) }
                return changed
            }
        }
    }

    public func readCheckpoint() async throws -> MessageID? {
        let rows = try await database.query("SELECT message_id FROM backup_checkpoint WHERE name = 'default'")
        guard let row = rows.first else { return nil }
        guard let raw = row.column("message_id")?.integer, let id = MessageID(rawValue: Int64(raw)) else {
            throw ChatStoreError(.malformedRecord, "backup checkpoint in \(path) is not a message id")
        }
        return id
    }

    public func writeCheckpoint(_ id: MessageID) async throws {
        try await database.writeLock.withLock {
            try await database.run(
                """
                INSERT INTO backup_checkpoint (name, message_id) VALUES ('default', ?)
                ON CONFLICT (name) DO UPDATE SET message_id = MAX(message_id, excluded.message_id)
                """,
                [.integer(SQLiteInt64(id.rawValue))]
            )
        }
    }

    /// Number of archived messages (for tests and tooling).
    public func count() async throws -> Int {
        Int(try await database.query("SELECT COUNT(*) AS n FROM messages").first?.column("n")?.integer ?? 0)
    }

    // MARK: Helpers

    static let columns = "id, room, client_message_id, sender, body, created_at, edited_at, deleted_at, metadata"

    /// Overwrites the stored copy's body and change times with `message`'s; with `onlyIfNewer`, only if it is
    /// a newer revision (the SQL form of ``StoredMessage/isNewerRevision(than:)``). Hold the write lock.
    private func store(_ message: StoredMessage, onlyIfNewer: Bool) async throws {
        let newer = "AND deleted_at IS NULL AND (?3 IS NOT NULL OR COALESCE(?2, -1) > COALESCE(edited_at, -1))"
        try await database.run(
            "UPDATE messages SET body = ?1, edited_at = ?2, deleted_at = ?3 WHERE id = ?4 \(onlyIfNewer ? newer : "")",
            [.text(message.body), Self.optional(message.editedAt), Self.optional(message.deletedAt), .integer(SQLiteInt64(message.id.rawValue))]
        )
    }

    private static func optional(_ value: Int64?) -> SQLiteData {
        value.map { .integer(SQLiteInt64($0)) } ?? .null
    }

    private static func message(from row: SQLiteRow) throws(ChatStoreError) -> StoredMessage {
        try StoredMessage.fromRecord(
            rawID: row.column("id")?.integer.map(Int64.init),
            clientMessageID: row.column("client_message_id")?.string,
            room: row.column("room")?.string,
            sender: row.column("sender")?.string,
            body: row.column("body")?.string,
            createdAt: row.column("created_at")?.integer.map(Int64.init),
            editedAt: row.column("edited_at")?.integer.map(Int64.init),
            deletedAt: row.column("deleted_at")?.integer.map(Int64.init),
            metadataJSON: row.column("metadata")?.string
        )
    }
}
