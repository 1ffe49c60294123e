/// Fast, recent message storage (memory or Redis) that acknowledges a message only once it is stored.
///
/// Implementations must be safe to call concurrently. Errors are ``ChatStoreError``s.
public protocol HotStore: Sendable {
    /// Stores `message`, assigning its ID and creation time, and returns only once it is stored.
    ///
    /// Idempotent on `(room, clientMessageID)` for at least the store's idempotency window: a repeat
    /// returns the earlier message with ``AppendResult/isDuplicate`` set and stores nothing.
    func append(_ message: NewMessage) async throws -> AppendResult

    /// Up to `limit` messages of `room` with IDs below `before` (all when `nil`), newest first.
    func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage]

    /// Up to `limit` messages of every room with IDs above `checkpoint` (all when `nil`), oldest first:
    /// the backup job's feed.
    func pending(after checkpoint: MessageID?, limit: Int) async throws -> [StoredMessage]

    /// Removes every message with an ID at or below `id` (already archived). Idempotent.
    func trim(upTo id: MessageID) async throws

    /// The message `id` of `room`, if this store holds it (`nil` once trimmed).
    func message(_ id: MessageID, in room: String) async throws -> StoredMessage?

    /// Applies `change` to the message `id` of `room` atomically (see ``StoredMessage/applying(_:)``) and
    /// returns the message as now stored, or `nil` when this store does not hold it.
    func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage?
}

/// Durable, long-term message storage (SQLite, PostgreSQL) fed by the backup job.
///
/// Implementations must be safe to call concurrently. Errors are ``ChatStoreError``s.
public protocol MessageArchive: Sendable {
    /// Creates or upgrades the schema; safe to call on every start.
    func migrate() async throws

    /// Stores `messages`, returning how many were new. A message whose ID is already stored replaces the
    /// stored copy only if it is a newer revision (``StoredMessage/isNewerRevision(than:)``), so an older copy
    /// never overwrites an edit or a delete. Idempotent: inserting the same batch again changes nothing.
    @discardableResult
    func insertBatch(_ messages: [StoredMessage]) async throws -> Int

    /// Up to `limit` messages of `room` with IDs below `before` (all when `nil`), newest first.
    func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage]

    /// The ID of the newest message the backup job has archived and recorded, or `nil` before the first run.
    func readCheckpoint() async throws -> MessageID?

    /// Records that every hot message up to `id` is archived. Never moves the checkpoint backwards.
    func writeCheckpoint(_ id: MessageID) async throws

    /// The archived message `id` of `room`, if any.
    func message(_ id: MessageID, in room: String) async throws -> StoredMessage?

    /// Applies `change` to the archived message `id` of `room` atomically (see ``StoredMessage/applying(_:)``)
    /// and returns the message as now stored, or `nil` when it is not archived.
    func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage?
}
