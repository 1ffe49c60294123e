/// How the backup job moves messages from the hot store to the archive.
public struct BackupConfiguration: Hashable, Sendable {
    /// When runs start (UTC). Default: every minute.
    public var schedule: CronSchedule
    /// Messages read from the hot store and written to the archive per transaction (1…1 000 000, default 5 000).
    public var batchSize: Int
    /// Consecutive failed steps after which a run gives up until the next scheduled run (≥ 1, default 6).
    public var maxAttempts: Int
    /// Wait before the first retry; doubles on each further failure (default 500 ms).
    public var retryBaseDelay: Duration
    /// Longest wait between retries (default 30 s).
    public var retryMaxDelay: Duration
    /// Batches per run at most, so that one run under constant load ends (≥ 1, default 1 000).
    public var maxBatchesPerRun: Int

    /// Creates a configuration; every argument has the documented default.
    public init(
        schedule: CronSchedule = try! CronSchedule("* * * * *"),
        batchSize: Int = 5_000,
        maxAttempts: Int = 6,
        retryBaseDelay: Duration = .milliseconds(500),
        retryMaxDelay: Duration = .seconds(30),
        maxBatchesPerRun: Int = 1_000
    ) {
        self.schedule = schedule
        self.batchSize = min(max(batchSize, 1), 1_000_000)
        self.maxAttempts = max(maxAttempts, 1)
        self.retryBaseDelay = retryBaseDelay
        self.retryMaxDelay = retryMaxDelay
        self.maxBatchesPerRun = max(maxBatchesPerRun, 1)
    }
}

/// What one backup run did.
public struct BackupRunSummary: Hashable, Sendable {
    /// Batches archived and checkpointed.
    public var batches = 0
    /// Messages handed to the archive (and now covered by the checkpoint).
    public var messagesArchived = 0
    /// Of those, how many the archive did not hold yet (the rest were re-deliveries after a crash).
    public var messagesInserted = 0
    /// Failed steps that were retried or ended the run.
    public var failures = 0
    /// The checkpoint when the run ended.
    public var checkpoint: MessageID?
    /// Whether the run stopped because it gave up after ``BackupConfiguration/maxAttempts`` failures.
    public var gaveUp = false

    /// An empty summary.
    public init() {}
}
