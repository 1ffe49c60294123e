/// The backup job's logic as a pure state machine: each event returns the next I/O action to perform.
///
/// One run: read the archive's checkpoint; trim the hot store up to it (finishing a trim that a crash
/// interrupted); then repeatedly read a batch of pending messages after the checkpoint, insert it into the
/// archive (idempotent on message ID), write the checkpoint, and trim the hot store. Messages leave the hot
/// store only after the archive committed them, and a crash anywhere repeats at most one batch, which the
/// archive ignores as duplicates. Any failed step waits with exponential backoff and restarts from the
/// durable checkpoint.
public struct BackupStateMachine: Sendable {
    /// The next thing to do.
    public enum Action: Hashable, Sendable {
        /// Read the archive's checkpoint, then call ``checkpointRead(_:)``.
        case readCheckpoint
        /// Remove hot messages up to the ID, then call ``hotStoreTrimmed()``.
        case trimHotStore(upTo: MessageID)
        /// Read up to `limit` hot messages after the checkpoint, then call ``pendingRead(_:)``.
        case readPending(after: MessageID?, limit: Int)
        /// Insert the messages into the archive, then call ``archived(inserted:)``.
        case archive([StoredMessage])
        /// Write the checkpoint, then call ``checkpointWritten()``.
        case writeCheckpoint(MessageID)
        /// Wait `delay`, then call ``retryDelayElapsed()``. `attempt` counts consecutive failures.
        case retry(after: Duration, attempt: Int)
        /// The run is over.
        case finish(BackupRunSummary)
    }

    private enum State: Hashable, Sendable {
        case idle
        case readingCheckpoint
        case trimming(upTo: MessageID, drained: Bool)
        case readingPending(after: MessageID?)
        case archiving([StoredMessage])
        case writingCheckpoint(MessageID, drained: Bool)
        case waiting
        case finished
    }

    private let configuration: BackupConfiguration
    private var state: State = .idle
    private var consecutiveFailures = 0
    /// The run's results so far.
    public private(set) var summary = BackupRunSummary()

    /// Creates a machine for one run.
    public init(configuration: BackupConfiguration) {
        self.configuration = configuration
    }

    /// Whether the run is over.
    public var isFinished: Bool { state == .finished }

    /// Starts the run.
    public mutating func start() -> Action {
        guard state == .idle else { return unexpected() }
        state = .readingCheckpoint
        return .readCheckpoint
    }

    /// The archive's checkpoint was read.
    public mutating func checkpointRead(_ checkpoint: MessageID?) -> Action {
        guard state == .readingCheckpoint else { return unexpected() }
        summary.checkpoint = checkpoint
        if let checkpoint {
            state = .trimming(upTo: checkpoint, drained: false)
            return .trimHotStore(upTo: checkpoint)
        }
        state = .readingPending(after: nil)
        return .readPending(after: nil, limit: configuration.batchSize)
    }

    /// The hot store was trimmed.
    public mutating func hotStoreTrimmed() -> Action {
        guard case .trimming(let checkpoint, let drained) = state else { return unexpected() }
        if drained || summary.batches >= configuration.maxBatchesPerRun {
            return finish()
        }
        state = .readingPending(after: checkpoint)
        return .readPending(after: checkpoint, limit: configuration.batchSize)
    }

    /// A batch of pending messages was read (oldest first).
    public mutating func pendingRead(_ messages: [StoredMessage]) -> Action {
        guard case .readingPending(let checkpoint) = state else { return unexpected() }
        // Anything at or below the checkpoint is archived already; a store that returns it is only late
        // in trimming.
        let batch = checkpoint.map { checkpoint in messages.filter { $0.id > checkpoint } } ?? messages
        guard !batch.isEmpty else { return finish() }
        state = .archiving(batch)
        return .archive(batch)
    }

    /// The archive committed the batch; `inserted` of its messages were new.
    public mutating func archived(inserted: Int) -> Action {
        guard case .archiving(let batch) = state else { return unexpected() }
        summary.messagesInserted += inserted
        let newest = batch.lazy.map(\.id).max()!
        summary.messagesArchived += batch.count
        state = .writingCheckpoint(newest, drained: batch.count < configuration.batchSize)
        return .writeCheckpoint(newest)
    }

    /// The checkpoint was written.
    public mutating func checkpointWritten() -> Action {
        guard case .writingCheckpoint(let checkpoint, let drained) = state else { return unexpected() }
        consecutiveFailures = 0
        summary.batches += 1
        summary.checkpoint = checkpoint
        state = .trimming(upTo: checkpoint, drained: drained)
        return .trimHotStore(upTo: checkpoint)
    }

    /// The last action failed. Returns a retry with backoff, or finishes the run once
    /// ``BackupConfiguration/maxAttempts`` attempts in a row failed without progress (progress = a batch
    /// checkpointed; a retry that fails again at any step before that counts).
    public mutating func failed() -> Action {
        switch state {
        case .idle, .finished, .waiting:
            return unexpected()
        case .readingCheckpoint, .trimming, .readingPending, .archiving, .writingCheckpoint:
            break
        }
        summary.failures += 1
        consecutiveFailures += 1
        guard consecutiveFailures < configuration.maxAttempts else {
            summary.gaveUp = true
            return finish()
        }
        state = .waiting
        return .retry(after: Self.backoff(attempt: consecutiveFailures, configuration: configuration), attempt: consecutiveFailures)
    }

    /// The retry delay passed: start again from the durable checkpoint.
    public mutating func retryDelayElapsed() -> Action {
        guard state == .waiting else { return unexpected() }
        state = .readingCheckpoint
        return .readCheckpoint
    }

    /// `base · 2^(attempt-1)`, capped at the maximum.
    static func backoff(attempt: Int, configuration: BackupConfiguration) -> Duration {
        var delay = configuration.retryBaseDelay
        for _ in 1..<max(attempt, 1) {
            delay *= 2
            if delay >= configuration.retryMaxDelay { return configuration.retryMaxDelay }
        }
        return min(delay, configuration.retryMaxDelay)
    }

    private mutating func finish() -> Action {
        state = .finished
        return .finish(summary)
    }

    /// An event that the current state does not expect: a driver bug. End the run rather than crash.
    private mutating func unexpected() -> Action {
        summary.gaveUp = true
        return finish()
    }
}
