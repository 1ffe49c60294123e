import ChatStore
import Logging
import PostgresNIO

/// A ``MessageArchive`` in PostgreSQL.
///
/// Schema (see ``PostgresArchive/migrations``): `chat_messages` keyed by the message ID (unique) with an
/// index on `(room, id)` serving history pages by room and cursor; `chat_backup_checkpoint`;
/// `chat_schema_migrations`. A batch is written as `INSERT … SELECT FROM UNNEST(…) ON CONFLICT (id) DO NOTHING`
/// statements with one array parameter per column, several at once (see ``insertBatch(_:)``).
///
/// The caller owns the `PostgresClient` and must keep its `run()` going (for example in a `ServiceGroup`).
public final class PostgresArchive: MessageArchive {
    /// The client the archive runs its queries through.
    public let client: PostgresClient
    /// Longest time one operation may take, connection wait included, before it fails as
    /// ``ChatStoreError/Code/unavailable`` (the client otherwise waits up to a minute for a server that is down).
    public let operationTimeout: Duration
    private let logger: Logger

    /// Rows per `INSERT` statement; larger batches are split (each statement has 9 array parameters).
    public static let rowsPerStatement = 2_500
    /// How many statements of one batch run at once, each on its own pooled connection (1…, default 4).
    public let insertConcurrency: Int

    /// Creates an archive over `client`. Call ``migrate()`` before use.
    public init(client: PostgresClient, logger: Logger, operationTimeout: Duration = .seconds(30), insertConcurrency: Int = 4) {
        self.client = client
        self.insertConcurrency = max(1, insertConcurrency)
        self.logger = logger
        self.operationTimeout = operationTimeout
    }

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
        ]
    ]

    /// Key of the transaction-scoped advisory lock that serializes concurrent migrators.
    static let migrationLockKey: Int64 = 0x5377_6974_6368_4d67

    public func migrate() async throws {
        try await wrap("migrate") { [self] in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
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
                guard current <= Self.migrations.count else {
                    throw ChatStoreError(
                        .schemaMismatch,
                        "archive schema version is \(current); this build knows up to \(Self.migrations.count)"
                    )
                }
                for version in (current + 1)..<(Self.migrations.count + 1) {
                    for statement in Self.migrations[version - 1] {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO chat_schema_migrations (version) VALUES (\(version))", logger: logger)
                    logger.info("archive schema migrated", metadata: ["archive.version": "\(version)"])
                }
            }
        }
    }

    /// Stores `messages`, skipping IDs already stored, and returns how many were new.
    ///
    /// The batch is split into statements of ``rowsPerStatement`` rows run on up to ``insertConcurrency``
    /// connections at once. Each statement commits on its own: a failure may leave part of the batch
    /// stored, which is harmless because inserts are idempotent and the backup job writes its checkpoint
    /// only after the whole batch succeeded, so it delivers the batch again.
    @discardableResult
    public func insertBatch(_ messages: [StoredMessage]) async throws -> Int {
        guard !messages.isEmpty else { return 0 }
        let size = Self.rowsPerStatement
        let chunks = stride(from: 0, to: messages.count, by: size).map { Array(messages[$0..<min($0 + size, messages.count)]) }
        let concurrency = insertConcurrency
        return try await wrap("insert batch") { [self] in
            try await withThrowingTaskGroup(of: Int.self) { group in
                var pending = chunks[...]
                for _ in 0..<min(concurrency, chunks.count) {
                    let chunk = pending.removeFirst()
                    group.addTask { try await self.insert(chunk) }
                }
                var inserted = 0
                while let done = try await group.next() {
                    inserted += done
                    if let chunk = pending.popFirst() {
                        group.addTask { try await self.insert(chunk) }
                    }
                }
                return inserted
            }
        }
    }

    private func insert(_ chunk: [StoredMessage]) async throws -> Int {
        var ids: [Int64] = [], rooms: [String] = [], clientIDs: [String] = [], senders: [String] = [], bodies: [String] = []
        var created: [Int64] = [], edited: [Int64] = [], deleted: [Int64] = [], metadata: [String] = []
        ids.reserveCapacity(chunk.count)
        rooms.reserveCapacity(chunk.count)
        clientIDs.reserveCapacity(chunk.count)
        senders.reserveCapacity(chunk.count)
        bodies.reserveCapacity(chunk.count)
        created.reserveCapacity(chunk.count)
        edited.reserveCapacity(chunk.count)
        deleted.reserveCapacity(chunk.count)
        metadata.reserveCapacity(chunk.count)
        for message in chunk {
            ids.append(message.id.rawValue)
            rooms.append(message.room)
            clientIDs.append(message.clientMessageID)
            senders.append(message.sender)
            bodies.append(message.body)
            created.append(message.createdAt)
            // Arrays cannot carry NULL here: -1 stands for "absent" (times are never negative).
            edited.append(message.editedAt ?? -1)
            deleted.append(message.deletedAt ?? -1)
            metadata.append(MetadataCoding.encode(message.metadata))
        }
        let rows = try await client.query(
            """
            WITH inserted AS (
                INSERT INTO chat_messages (id, room, client_message_id, sender, body, created_at, edited_at, deleted_at, metadata)
                SELECT id, room, client_message_id, sender, body, created_at, NULLIF(edited_at, -1), NULLIF(deleted_at, -1), metadata
                FROM UNNEST(\(ids)::BIGINT[], \(rooms)::TEXT[], \(clientIDs)::TEXT[], \(senders)::TEXT[], \(bodies)::TEXT[],
                            \(created)::BIGINT[], \(edited)::BIGINT[], \(deleted)::BIGINT[], \(metadata)::TEXT[])
                    AS t(id, room, client_message_id, sender, body, created_at, edited_at, deleted_at, metadata)
                ON CONFLICT (id) DO NOTHING
                RETURNING 1
            )
            SELECT COUNT(*) FROM inserted
            """,
            logger: logger
        )
        var count = 0
        for try await value in rows.decode(Int.self) { count = value }
        return count
    }

    public func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        guard limit >= 1, limit <= 10_000 else {
            throw ChatStoreError(.invalidArgument, "page limit \(limit) is outside 1…10000")
        }
        let cursor = before?.rawValue ?? Int64.max
        return try await wrap("read page") { [self] in
            let rows = try await client.query(
                """
                SELECT id, room, client_message_id, sender, body, created_at, edited_at, deleted_at, metadata
                FROM chat_messages WHERE room = \(room) AND id < \(cursor) ORDER BY id DESC LIMIT \(limit)
                """,
                logger: logger
            )
            var result: [StoredMessage] = []
            for try await (id, room, clientID, sender, body, created, edited, deleted, metadata) in rows.decode(
                (Int64, String, String, String, String, Int64, Int64?, Int64?, String).self
            ) {
                result.append(
                    try StoredMessage.fromRecord(
                        rawID: id, clientMessageID: clientID, room: room, sender: sender, body: body,
                        createdAt: created, editedAt: edited, deletedAt: deleted, metadataJSON: metadata
                    )
                )
            }
            return result
        }
    }

    public func readCheckpoint() async throws -> MessageID? {
        try await wrap("read checkpoint") { [self] in
            let rows = try await client.query("SELECT message_id FROM chat_backup_checkpoint WHERE name = 'default'", logger: logger)
            var result: MessageID?
            for try await raw in rows.decode(Int64.self) {
                guard let id = MessageID(rawValue: raw) else {
                    throw ChatStoreError(.malformedRecord, "backup checkpoint \(raw) is not a message id")
                }
                result = id
            }
            return result
        }
    }

    public func writeCheckpoint(_ id: MessageID) async throws {
        try await wrap("write checkpoint") { [self] in
            _ = try await client.query(
                """
                INSERT INTO chat_backup_checkpoint (name, message_id) VALUES ('default', \(id.rawValue))
                ON CONFLICT (name) DO UPDATE SET message_id = GREATEST(chat_backup_checkpoint.message_id, EXCLUDED.message_id)
                """,
                logger: logger
            )
        }
    }

    /// Number of archived messages (for tests and tooling).
    public func count() async throws -> Int {
        try await wrap("count") { [self] in
            var count = 0
            for try await value in try await client.query("SELECT COUNT(*) FROM chat_messages", logger: logger).decode(Int.self) {
                count = value
            }
            return count
        }
    }

    /// Runs `body` within ``operationTimeout``, turning driver errors into ``ChatStoreError/Code/unavailable``
    /// (ours pass through).
    private func wrap<T: Sendable>(_ operation: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: self.operationTimeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw ChatStoreError(.unavailable, "PostgreSQL archive: \(operation) timed out after \(self.operationTimeout)")
                }
                return result
            }
        } catch let error as ChatStoreError {
            throw error
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? ChatStoreError { throw inner }
            throw ChatStoreError(.unavailable, "PostgreSQL archive: \(operation) failed", underlying: error)
        } catch {
            throw ChatStoreError(.unavailable, "PostgreSQL archive: \(operation) failed", underlying: error)
        }
    }
}
