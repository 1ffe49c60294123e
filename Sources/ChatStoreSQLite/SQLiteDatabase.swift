import ChatStore
import Logging
import NIOCore
import SQLiteNIO

/// One SQLite file on one connection, shared by ``SQLiteArchive`` and ``SQLiteChatDirectory``: the
/// connection, the lock that serializes writers, the schema migrations and small query helpers.
final class SQLiteDatabase: Sendable {
    let path: String
    let connection: SQLiteConnection
    let writeLock = AsyncSerialLock()
    let logger: Logger

    private init(path: String, connection: SQLiteConnection, logger: Logger) {
        self.path = path
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating if needed) the file and sets WAL mode, `synchronous = FULL` and a busy timeout.
    static func open(path: String, logger: Logger) async throws -> SQLiteDatabase {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw ChatStoreError(.unavailable, "cannot open SQLite database at \(path)", underlying: error)
        }
        let database = SQLiteDatabase(path: path, connection: connection, logger: logger)
        try await database.run("PRAGMA journal_mode = WAL")
        try await database.run("PRAGMA synchronous = FULL")
        try await database.run("PRAGMA busy_timeout = 5000")
        return database
    }

    /// Applies every migration of ``SQLiteSchema/migrations`` not applied yet; safe to call on every start.
    func migrate() async throws {
        try await writeLock.withLock {
            try await run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)")
            let rows = try await query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
            let current = rows.first?.column("version")?.integer ?? 0
            let migrations = SQLiteSchema.migrations
            guard current <= migrations.count else {
                throw ChatStoreError(
                    .schemaMismatch, "database \(path) has schema version \(current); this build knows up to \(migrations.count)"
                )
            }
            for version in (current + 1)..<(migrations.count + 1) {
                try await transaction {
                    for statement in migrations[version - 1] { try await run(statement) }
                    try await run(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%s','now'))",
                        [.integer(version)]
                    )
                }
                logger.info("database schema migrated", metadata: ["sqlite.path": "\(path)", "sqlite.version": "\(version)"])
            }
        }
    }

    /// Runs `body` between `BEGIN IMMEDIATE` and `COMMIT`, rolling back when it throws. Hold ``writeLock``.
    func transaction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
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

    /// Number of rows the last statement changed.
    func changes() async throws -> Int {
        Int(try await query("SELECT changes() AS changed").first?.column("changed")?.integer ?? 0)
    }

    func run(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await query(sql, binds)
    }

    func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        do {
            return try await connection.query(sql, binds)
        } catch {
            throw ChatStoreError(.unavailable, "SQLite \(path) failed: \(sql.prefix(60))", underlying: error)
        }
    }
}
