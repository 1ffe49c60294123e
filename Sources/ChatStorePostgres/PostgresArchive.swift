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
    private let operation: PostgresOperation

    /// Rows per `COPY` or `INSERT` statement (1…, default 2 500); larger batches are split.
    public let rowsPerStatement: Int
    /// How many statements of one batch run at once, each on its own pooled connection (1…, default 4).
    public let insertConcurrency: Int
    /// Whether batches newer than everything archived go in with `COPY` (default) rather than `INSERT`;
    /// off only to compare the two.
    public let copiesNewBatches: Bool

    /// Creates an archive over `client`. Call ``migrate()`` before use.
    public init(
        client: PostgresClient, logger: Logger, operationTimeout: Duration = .seconds(30), insertConcurrency: Int = 4,
        copiesNewBatches: Bool = true, rowsPerStatement: Int = 2_500
    ) {
        self.copiesNewBatches = copiesNewBatches
        self.rowsPerStatement = max(1, rowsPerStatement)
        self.client = client
        self.insertConcurrency = max(1, insertConcurrency)
        self.logger = logger
        self.operationTimeout = operationTimeout
        self.operation = PostgresOperation(timeout: operationTimeout, subject: "PostgreSQL archive")
    }

    /// Creates or upgrades the chat schema (archive and directory tables); safe to call on every start.
    public func migrate() async throws {
        try await operation.run("migrate") { [self] in try await PostgresSchema.migrate(client: client, logger: logger) }
    }

    /// Stores `messages`, skipping IDs already stored, and returns how many were new.
    ///
    /// The batch is split into chunks of ``rowsPerStatement`` rows written on up to ``insertConcurrency``
    /// connections at once, each committing on its own. A failure may leave part of the batch stored, which
    /// is harmless: the backup job writes its checkpoint only after the whole batch succeeded, so it
    /// delivers the batch again, and the second delivery is idempotent.
    ///
    /// - Fast path: when every message is newer than the newest archived one (the normal case), the chunks
    ///   go in with `COPY … FROM STDIN`. Should another writer have stored some of them meanwhile, `COPY`
    ///   fails on the primary key, its chunk rolls back, and the batch takes the idempotent path.
    /// - Idempotent path (a delivery repeated after a crash): `INSERT … SELECT FROM UNNEST(…) ON CONFLICT
    ///   (id) DO NOTHING`; then copies that carry an edit or a delete overwrite stored copies of which they
    ///   are newer revisions (unchanged copies never are).
    @discardableResult
    public func insertBatch(_ messages: [StoredMessage]) async throws -> Int {
        guard !messages.isEmpty else { return 0 }
        let size = rowsPerStatement
        let chunks = stride(from: 0, to: messages.count, by: size).map { Array(messages[$0..<min($0 + size, messages.count)]) }
        return try await operation.run("insert batch") { [self] in
            var copied = 0
            if copiesNewBatches, let oldest = messages.lazy.map(\.id.rawValue).min(), try await newestArchivedID() < oldest {
                let (count, failure) = await forEachChunk(chunks) { try await self.copy($0) }
                guard let failure else { return count }
                guard Self.isUniqueViolation(failure) else { throw failure }
                copied = count
            }
            let (inserted, failure) = await forEachChunk(chunks) { try await self.insert($0) }
            if let failure { throw failure }
            let changed = messages.filter { $0.editedAt != nil || $0.deletedAt != nil }
            if !changed.isEmpty { try await storeIfNewer(changed) }
            return copied + inserted
        }
    }

    /// Runs `body` on every chunk, at most ``insertConcurrency`` at once, and returns the sum of what the
    /// successful calls returned and the first failure, if any (the other chunks still run).
    private func forEachChunk(
        _ chunks: [[StoredMessage]],
        _ body: @escaping @Sendable ([StoredMessage]) async throws -> Int
    ) async -> (Int, (any Error)?) {
        await withTaskGroup(of: Result<Int, any Error>.self) { group in
            var pending = chunks[...]
            func start(_ chunk: [StoredMessage]) {
                group.addTask {
                    do { return .success(try await body(chunk)) } catch { return .failure(error) }
                }
            }
            for _ in 0..<min(insertConcurrency, chunks.count) { start(pending.removeFirst()) }
            var total = 0
            var failure: (any Error)?
            while let result = await group.next() {
                switch result {
                case .success(let count): total += count
                case .failure(let error): failure = failure ?? error
                }
                if let chunk = pending.popFirst() { start(chunk) }
            }
            return (total, failure)
        }
    }

    /// The newest archived message ID, or -1 when the archive is empty (an index-only lookup).
    private func newestArchivedID() async throws -> Int64 {
        var newest: Int64 = -1
        for try await value in try await client.query("SELECT COALESCE(MAX(id), -1) FROM chat_messages", logger: logger).decode(Int64.self) {
            newest = value
        }
        return newest
    }

    /// The columns ``copy(_:)`` writes, in ``PostgresCopyText``'s order.
    package static let copyColumns = ["id", "room", "client_message_id", "sender", "body", "created_at", "edited_at", "deleted_at", "metadata"]

    /// Writes `chunk` with one `COPY … FROM STDIN` (its own transaction) and returns its size.
    private func copy(_ chunk: [StoredMessage]) async throws -> Int {
        var text = PostgresCopyText(capacity: chunk.count * 160)
        for message in chunk { text.append(message) }
        let buffer = text.buffer
        try await client.withConnection { connection in
            try await connection.copyFrom(table: "chat_messages", columns: Self.copyColumns, logger: self.logger) { writer in
                try await writer.write(buffer)
            }
        }
        return chunk.count
    }

    /// Whether `error` is PostgreSQL's unique-violation error (SQLSTATE 23505).
    package static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }

    /// Overwrites stored copies with those of `messages` that are newer revisions (the SQL form of
    /// ``StoredMessage/isNewerRevision(than:)``).
    private func storeIfNewer(_ messages: [StoredMessage]) async throws {
        let ids = messages.map(\.id.rawValue), bodies = messages.map(\.body)
        let edited = messages.map { $0.editedAt ?? -1 }, deleted = messages.map { $0.deletedAt ?? -1 }
        try await client.query(
            """
            UPDATE chat_messages AS m SET body = t.body, edited_at = NULLIF(t.edited_at, -1), deleted_at = NULLIF(t.deleted_at, -1)
            FROM UNNEST(\(ids)::BIGINT[], \(bodies)::TEXT[], \(edited)::BIGINT[], \(deleted)::BIGINT[]) AS t(id, body, edited_at, deleted_at)
            WHERE m.id = t.id AND m.deleted_at IS NULL AND (t.deleted_at <> -1 OR t.edited_at > COALESCE(m.edited_at, -1))
            """,
            logger: logger
        )
    }

    public func message(_ id: MessageID, in room: String) async throws -> StoredMessage? {
        try await operation.run("read message") { [self] in
            let rows = try await client.query(
                "SELECT \(unescaped: Self.columns) FROM chat_messages WHERE id = \(id.rawValue) AND room = \(room)", logger: logger
            )
            return try await Self.messages(from: rows).first
        }
    }

    public func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        try await operation.run("apply change") { [self] in
            try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM chat_messages WHERE id = \(id.rawValue) AND room = \(room) FOR UPDATE",
                    logger: logger
                )
                guard let stored = try await Self.messages(from: rows).first else { return nil }
                let changed = stored.applying(change)
                if changed != stored {
                    try await connection.query(
                        """
                        UPDATE chat_messages SET body = \(changed.body), edited_at = \(changed.editedAt), deleted_at = \(changed.deletedAt)
                        WHERE id = \(id.rawValue)
                        """,
                        logger: logger
                    )
                }
                return changed
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
        return try await operation.run("read page") { [self] in
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.columns)
                FROM chat_messages WHERE room = \(room) AND id < \(cursor) ORDER BY id DESC LIMIT \(limit)
                """,
                logger: logger
            )
            return try await Self.messages(from: rows)
        }
    }

    public func readCheckpoint() async throws -> MessageID? {
        try await operation.run("read checkpoint") { [self] in
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
        try await operation.run("write checkpoint") { [self] in
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
        try await operation.run("count") { [self] in
            var count = 0
            for try await value in try await client.query("SELECT COUNT(*) FROM chat_messages", logger: logger).decode(Int.self) {
                count = value
            }
            return count
        }
    }

    static let columns = "id, room, client_message_id, sender, body, created_at, edited_at, deleted_at, metadata"

    /// Decodes rows of ``columns``.
    private static func messages(from rows: PostgresRowSequence) async throws -> [StoredMessage] {
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
