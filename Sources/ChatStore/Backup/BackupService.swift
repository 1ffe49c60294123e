import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Runs the backup job on its cron schedule as a swift-service-lifecycle `Service`.
///
/// Each run drives a ``BackupStateMachine`` against the hot store and the archive, logging each batch
/// (`backup.batch_size`, `backup.lag_ms`, `backup.duration_ms`) and each failure
/// (`backup.attempt`, `backup.retry_in_ms`). On graceful shutdown it finishes the batch in progress and
/// returns; the next start resumes from the archive's checkpoint.
///
/// Each batch — read from the hot store, insert, checkpoint, trim — runs under a lock that
/// ``MessageStore`` also takes for edits and deletes, so a change cannot land between the batch's read and
/// its trim (where the archive would receive the old copy and the trim would drop the edited one).
public final class BackupService: Service, Sendable {
    /// The source of messages.
    public let hotStore: any HotStore
    /// The destination.
    public let archive: any MessageArchive
    /// Schedule, batch size and retry policy.
    public let configuration: BackupConfiguration
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    /// Held for the whole of each batch; shared with the ``MessageStore`` that applies changes.
    package let batchLock: AsyncSerialLock
    private let lastCompletion = NIOLockedValueBox<Int64?>(nil)

    /// When the last run that did not give up ended (milliseconds since the Unix epoch, by the service's
    /// clock): the hot store had been archived up to that moment, or up to ``BackupConfiguration/maxBatchesPerRun``
    /// batches of it. `nil` until a run completes.
    public var lastCompletedRunAt: Int64? { lastCompletion.withLockedValue { $0 } }

    /// Creates the service; `clock` returns milliseconds since the Unix epoch.
    public convenience init(
        hotStore: any HotStore,
        archive: any MessageArchive,
        configuration: BackupConfiguration = BackupConfiguration(),
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }
    ) {
        self.init(
            hotStore: hotStore, archive: archive, configuration: configuration, logger: logger, clock: clock,
            batchLock: AsyncSerialLock()
        )
    }

    /// Creates the service with a batch lock shared with the code that changes messages.
    package init(
        hotStore: any HotStore,
        archive: any MessageArchive,
        configuration: BackupConfiguration,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64,
        batchLock: AsyncSerialLock
    ) {
        self.hotStore = hotStore
        self.archive = archive
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.batchLock = batchLock
    }

    /// Runs until cancelled or gracefully shut down: sleeps until each scheduled time, then runs once.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock()
            guard let next = configuration.schedule.nextFireTime(after: now) else {
                logger.error("backup schedule never fires", metadata: ["backup.schedule": "\(configuration.schedule)"])
                return
            }
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(next - now))
                }
            } catch {
                return  // cancelled or shutting down
            }
            if Task.isShuttingDownGracefully { return }
            _ = await runOnce()
        }
    }

    /// Runs the job once, now, until the hot store is drained, ``BackupConfiguration/maxBatchesPerRun`` is
    /// reached or it gives up after repeated failures. Returns what it did.
    public func runOnce() async -> BackupRunSummary {
        let started = ContinuousClock.now
        var machine = BackupStateMachine(configuration: configuration)
        var action = machine.start()
        while true {
            switch action {
            case .finish(let summary):
                let level: Logger.Level = summary.gaveUp ? .error : (summary.batches > 0 ? .info : .debug)
                logger.log(
                    level: level,
                    summary.gaveUp ? "backup run gave up" : "backup run finished",
                    metadata: [
                        "backup.batches": "\(summary.batches)",
                        "backup.archived": "\(summary.messagesArchived)",
                        "backup.inserted": "\(summary.messagesInserted)",
                        "backup.failures": "\(summary.failures)",
                        "backup.checkpoint": "\(summary.checkpoint.map(String.init(describing:)) ?? "none")",
                        "backup.duration_ms": "\(Self.milliseconds(ContinuousClock.now - started))",
                    ]
                )
                if !summary.gaveUp {
                    let now = clock()
                    lastCompletion.withLockedValue { $0 = now }
                }
                return summary
            case .retry(let delay, let attempt):
                logger.warning(
                    "backup step failed, retrying",
                    metadata: ["backup.attempt": "\(attempt)", "backup.retry_in_ms": "\(Self.milliseconds(delay))"]
                )
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    var summary = machine.summary
                    summary.gaveUp = true
                    return summary
                }
                action = machine.retryDelayElapsed()
            case .readPending:
                action = await runBatch(from: action, machine: &machine)
            case .readCheckpoint, .trimHotStore, .archive, .writeCheckpoint:
                action = await perform(action, machine: &machine)
            }
        }
    }

    /// Runs one batch under ``batchLock``: from reading pending messages through the trim that follows the
    /// checkpoint (or the first failure). Returns the action after it.
    private func runBatch(from first: BackupStateMachine.Action, machine: inout BackupStateMachine) async -> BackupStateMachine.Action {
        var action = first
        let started = ContinuousClock.now
        var size = 0
        var lag: Int64 = 0
        // The body throws nothing (failures become actions), so neither does `withLock`.
        _ = try? await batchLock.withLock {
            while true {
                switch action {
                case .readPending:
                    action = await perform(action, machine: &machine)
                    if case .archive(let batch) = action {
                        size = batch.count
                        lag = batch.first.map { clock() - $0.createdAt } ?? 0
                    }
                case .writeCheckpoint(let id):
                    action = await perform(action, machine: &machine)
                    if case .trimHotStore = action {
                        logger.info(
                            "backup batch archived",
                            metadata: [
                                "backup.batch_size": "\(size)",
                                "backup.lag_ms": "\(lag)",
                                "backup.checkpoint": "\(id)",
                                "backup.duration_ms": "\(Self.milliseconds(ContinuousClock.now - started))",
                            ]
                        )
                    }
                case .archive:
                    action = await perform(action, machine: &machine)
                case .trimHotStore:
                    action = await perform(action, machine: &machine)
                    return  // the batch is complete
                case .readCheckpoint, .retry, .finish:
                    return
                }
            }
        }
        return action
    }

    /// Performs one I/O action and feeds its outcome to `machine`.
    private func perform(_ action: BackupStateMachine.Action, machine: inout BackupStateMachine) async -> BackupStateMachine.Action {
        do {
            switch action {
            case .readCheckpoint:
                return machine.checkpointRead(try await archive.readCheckpoint())
            case .trimHotStore(let upTo):
                try await hotStore.trim(upTo: upTo)
                return machine.hotStoreTrimmed()
            case .readPending(let after, let limit):
                return machine.pendingRead(try await hotStore.pending(after: after, limit: limit))
            case .archive(let batch):
                return machine.archived(inserted: try await archive.insertBatch(batch))
            case .writeCheckpoint(let id):
                try await archive.writeCheckpoint(id)
                return machine.checkpointWritten()
            case .retry, .finish:
                return action
            }
        } catch {
            logger.warning("backup step failed", metadata: ["backup.error": "\(error)"])
            return machine.failed()
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
