import Logging

/// The one entry point the chat uses for messages: appends, history pages, lookups, edits and deletes
/// across the hot store and the archive, and the backup job that moves messages between them.
///
/// Changes and backup batches share one lock (the backup's batch lock): a batch reads, archives,
/// checkpoints and trims as one step with respect to changes, so an edit is never lost between a batch's
/// read of the old copy and its trim. Appends and reads take no lock.
public final class MessageStore: Sendable {
    /// The recent-message store.
    public let hotStore: any HotStore
    /// The long-term store, if any.
    public let archive: (any MessageArchive)?
    /// The backup job (hot store → archive), if there is an archive; run it in the service group.
    public let backup: BackupService?
    /// Bounds on submitted messages and edited bodies.
    public let limits: MessageLimits
    private let history: HistoryReader
    private let changeLock: AsyncSerialLock

    /// Creates the facade.
    ///
    /// - Parameters:
    ///   - hotStore: where messages land first.
    ///   - archive: where the backup job moves them; `nil` keeps messages only in the hot store.
    ///   - backupConfiguration: schedule, batch size and retry policy of the backup job.
    ///   - limits: bounds checked on appends and on edited bodies.
    ///   - maxPageSize: largest history page a caller may ask for.
    ///   - logger: the backup job's logger.
    ///   - clock: milliseconds since the Unix epoch, for the backup job.
    public init(
        hotStore: any HotStore,
        archive: (any MessageArchive)?,
        backupConfiguration: BackupConfiguration = BackupConfiguration(),
        limits: MessageLimits = MessageLimits(),
        maxPageSize: Int = 500,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }
    ) {
        let lock = AsyncSerialLock()
        self.hotStore = hotStore
        self.archive = archive
        self.limits = limits
        self.history = HistoryReader(hotStore: hotStore, archive: archive, maxPageSize: maxPageSize)
        self.changeLock = lock
        self.backup = archive.map { archive in
            BackupService(
                hotStore: hotStore, archive: archive, configuration: backupConfiguration, logger: logger, clock: clock,
                batchLock: lock
            )
        }
    }

    /// The lock shared by changes and backup batches (for tests).
    package var lock: AsyncSerialLock { changeLock }

    /// Largest history page a caller may ask for.
    public var maxPageSize: Int { history.maxPageSize }

    /// Stores `message` in the hot store (see ``HotStore/append(_:)``): idempotent on
    /// `(room, clientMessageID)`; throws ``ChatStoreError/Code/invalidMessage`` when it breaks ``limits``.
    public func append(_ message: NewMessage) async throws -> AppendResult {
        try limits.validate(message)
        return try await hotStore.append(message)
    }

    /// Up to `limit` messages of `room` older than `before` (the newest when `nil`), newest first, across
    /// the hot store and the archive (see ``HistoryReader/page(room:before:limit:)``).
    public func page(room: String, before: MessageID? = nil, limit: Int) async throws -> HistoryPage {
        try await history.page(room: room, before: before, limit: limit)
    }

    /// The message `id` of `room` wherever it is, or `nil`. The hot store's copy wins when both hold it.
    public func message(_ id: MessageID, in room: String) async throws -> StoredMessage? {
        // Hot store first: the backup job trims only after the archive committed, so a message missing
        // from the hot store here is already in the archive.
        if let hot = try await hotStore.message(id, in: room) { return hot }
        return try await archive?.message(id, in: room)
    }

    /// Edits or deletes the message `id` of `room` in every store that holds it, and returns it as now
    /// stored, or `nil` when no store holds it.
    ///
    /// An edit of a deleted message, or one older than the message's last edit, changes nothing and returns
    /// the message as it is (see ``StoredMessage/applying(_:)``). Throws
    /// ``ChatStoreError/Code/invalidMessage`` when an edited body is longer than ``MessageLimits/maxBodyBytes``.
    public func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        if case .edit(let body, _) = change, body.utf8.count > limits.maxBodyBytes {
            throw ChatStoreError(.invalidMessage, "body is \(body.utf8.count) bytes, limit \(limits.maxBodyBytes)")
        }
        return try await changeLock.withLock {
            let hot = try await hotStore.apply(change, to: id, in: room)
            let archived = try await archive?.apply(change, to: id, in: room)
            switch (hot, archived) {
            case (let hot?, let archived?): return archived.isNewerRevision(than: hot) ? archived : hot
            case (let hot?, nil): return hot
            case (nil, let archived): return archived
            }
        }
    }
}
