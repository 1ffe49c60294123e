import ChatStore
import Logging
import PostgresNIO

/// The chat's tables in PostgreSQL — the message archive (version 1) and the chat directory (version 2) —
/// and the migrator both ``PostgresArchive`` and ``PostgresChatDirectory`` run.
enum PostgresSchema {
    /// Schema versions in order; version `n` is `migrations[n - 1]`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE chat_messages (
                id BIGINT PRIMARY KEY,
                room TEXT NOT NULL,
                client_message_id TEXT NOT NULL,
                sender TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                edited_at BIGINT,
                deleted_at BIGINT,
                metadata TEXT NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX chat_messages_room_id ON chat_messages (room, id)",
            "CREATE TABLE chat_backup_checkpoint (name TEXT PRIMARY KEY, message_id BIGINT NOT NULL)",
        ],
        [
            """
            CREATE TABLE chat_users (
                id TEXT PRIMARY KEY,
                username TEXT NOT NULL,
                username_key TEXT NOT NULL UNIQUE,
                display_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE chat_rooms (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL,
                kind TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX chat_rooms_name_key ON chat_rooms (name_key) WHERE kind <> 'direct'",
            "CREATE INDEX chat_rooms_kind ON chat_rooms (kind, created_at, id)",
            """
            CREATE TABLE chat_room_members (
                room_id TEXT NOT NULL REFERENCES chat_rooms (id),
                user_id TEXT NOT NULL,
                PRIMARY KEY (room_id, user_id)
            )
            """,
            "CREATE INDEX chat_room_members_user ON chat_room_members (user_id, room_id)",
            """
            CREATE TABLE chat_read_markers (
                room_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                message_id BIGINT NOT NULL,
                PRIMARY KEY (room_id, user_id)
            )
            """,
        ],
    ]

    /// Key of the transaction-scoped advisory lock that serializes concurrent migrators.
    static let migrationLockKey: Int64 = 0x5377_6974_6368_4d67

    /// Applies every migration not applied yet, in one transaction; safe to call on every start and from
    /// several processes at once.
    static func migrate(client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS chat_schema_migrations (version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger
            )
            var current = 0
            for try await version in try await connection.query(
                "SELECT COALESCE(MAX(version), 0) FROM chat_schema_migrations", logger: logger
            ).decode(Int.self) {
                current = version
            }
            guard current <= migrations.count else {
                throw ChatStoreError(
                    .schemaMismatch, "chat schema version is \(current); this build knows up to \(migrations.count)"
                )
            }
            for version in (current + 1)..<(migrations.count + 1) {
                for statement in migrations[version - 1] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO chat_schema_migrations (version) VALUES (\(version))", logger: logger)
                logger.info("chat schema migrated", metadata: ["postgres.schema_version": "\(version)"])
            }
        }
    }
}

/// Runs one PostgreSQL operation within a deadline, turning driver errors into ``ChatStoreError``s.
struct PostgresOperation: Sendable {
    /// Longest time one operation may take, connection wait included.
    let timeout: Duration
    /// Names the store in error messages ("PostgreSQL archive").
    let subject: String

    /// Runs `body` within ``timeout``; driver errors become ``ChatStoreError/Code/unavailable`` (ours, also
    /// those thrown inside a transaction, pass through).
    func run<T: Sendable>(_ operation: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw ChatStoreError(.unavailable, "\(subject): \(operation) timed out after \(timeout)")
                }
                return result
            }
        } catch let error as ChatStoreError {
            throw error
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? ChatStoreError { throw inner }
            throw ChatStoreError(.unavailable, "\(subject): \(operation) failed", underlying: error)
        } catch {
            throw ChatStoreError(.unavailable, "\(subject): \(operation) failed", underlying: error)
        }
    }
}
