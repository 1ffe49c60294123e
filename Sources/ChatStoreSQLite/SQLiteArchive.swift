import ChatStore
import Logging
import NIOCore
import SQLiteNIO

/// A ``MessageArchive`` in one SQLite file, in WAL mode.
///
/// Schema (see ``SQLiteArchive/migrations``): `messages` keyed by the message ID (unique) with an index on
/// `(room, id)` that serves history pages by room and cursor; `backup_checkpoint`; `schema_migrations`.
/// Writes are serialized on one connection; each batch is one transaction.
public final class SQLiteArchive: MessageArchive {
    /// The database file.
    public let path: String
    private let connection: SQLiteConnection
    private let writeLock = AsyncSerialLock()
    private let logger: Logger

    /// Rows per multi-row `INSERT` statement (9 parameters each, well under SQLite's 32 766).
    static let rowsPerStatement = 500

    private init(path: String, connection: SQLiteConnection, logger: Logger) {
        self.path = path
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating if needed) the archive file at `path` and sets WAL mode, `synchronous = FULL` and a
    /// busy timeout. Call ``migrate()`` before use.
    public static func open(path: String, logger: Logger) async throws -> SQLiteArchive {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw ChatStoreError(.unavailable, "cannot open SQLite archive at \(path)", underlying: error)
        }
        let archive = SQLiteArchive(path: path, connection: connection, logger: logger)
        try await archive.run("PRAGMA journal_mode = WAL")
        try await archive.run("PRAGMA synchronous = FULL")
        try await archive.run("PRAGMA busy_timeout = 5000")
        return archive
    }

    /// Closes the connection. No call may follow.
    public func close() async throws {
        try await connection.close()
    }

    /// Schema versions in order; version `n` is `migrations[n - 1]`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY NOT NULL,
                room TEXT NOT NULL,
                client_message_id TEXT NOT NULL,
                sender TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                edited_at INTEGER,
                deleted_at INTEGER,
                metadata TEXT NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX messages_room_id ON messages (room, id)",
            "CREATE TABLE backup_checkpoint (name TEXT PRIMARY KEY NOT NULL, message_id INTEGER NOT NULL)",
        ]
    ]

    public func migrate() async throws {
        try await writeLock.withLock {
            try await run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)")
            let rows = try await query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
            let current = rows.first?.column("version")?.integer ?? 0
            guard current <= Self.migrations.count else {
                throw ChatStoreError(
                    .schemaMismatch,
                    "archive \(path) has schema version \(current); this build knows up to \(Self.migrations.count)"
                )
            }
            for version in (current + 1)..<(Self.migrations.count + 1) {
                try await transaction {
                    for statement in Self.migrations[version - 1] { try await run(statement) }
                    try await run(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%s','now'))",
                        [.integer(version)]
                    )
                }
                logger.info("archive schema migrated", metadata: ["archive.path": "\(path)", "archive.version": "\(version)"])
            }
        }
    }

    @discardableResult
    public func insertBatch(_ messages: [StoredMessage]) async throws -> Int {
        guard !messages.isEmpty else { return 0 }
        return try await writeLock.withLock {
            try await transaction {
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
                        binds.append(message.editedAt.map { .integer(SQLiteInt64($0)) } ?? .null)
                        binds.append(message.deletedAt.map { .integer(SQLiteInt64($0)) } ?? .null)
                        binds.append(.text(MetadataCoding.encode(message.metadata)))
                    }
                    try await run(sql, binds)
                    let changes = try await query("SELECT changes() AS changed")
                    inserted += Int(changes.first?.column("changed")?.integer ?? 0)
                    start += chunk.count
                }
                return inserted
            }
        }
    }

    public func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        guard limit >= 1, limit <= 10_000 else {
            throw ChatStoreError(.invalidArgument, "page limit \(limit) is outside 1…10000")
        }
        let rows = try await query(
            """
            SELECT id, room, client_message_id, sender, body, created_at, edited_at, deleted_at, metadata
            FROM messages WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?
            """,
            [.text(room), .integer(SQLiteInt64(before?.rawValue ?? Int64.max)), .integer(limit)]
        )
        return try rows.map { row throws(ChatStoreError) in
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

    public func readCheckpoint() async throws -> MessageID? {
        let rows = try await query("SELECT message_id FROM backup_checkpoint WHERE name = 'default'")
        guard let row = rows.first else { return nil }
        guard let raw = row.column("message_id")?.integer, let id = MessageID(rawValue: Int64(raw)) else {
            throw ChatStoreError(.malformedRecord, "backup checkpoint in \(path) is not a message id")
        }
        return id
    }

    public func writeCheckpoint(_ id: MessageID) async throws {
        try await writeLock.withLock {
            try await run(
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
        Int(try await query("SELECT COUNT(*) AS n FROM messages").first?.column("n")?.integer ?? 0)
    }

    // MARK: Helpers

    private func transaction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await run("BEGIN IMMEDIATE")
        do {
            let result = try await body()
            try await run("COMMIT")
            return result
        } catch {
            try? await run("ROLLBACK")
            throw error
        }
    }

    private func run(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await query(sql, binds)
    }

    private func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        do {
            return try await connection.query(sql, binds)
        } catch {
            throw ChatStoreError(.unavailable, "SQLite archive \(path) failed: \(sql.prefix(60))", underlying: error)
        }
    }
}
