import Logging
import ServiceLifecycle

/// Runs the backup job on its cron schedule as a swift-service-lifecycle `Service`.
///
/// Each run drives a ``BackupStateMachine`` against the hot store and the archive, logging each batch
/// (`backup.batch_size`, `backup.inserted`, `backup.lag_ms`, `backup.duration_ms`) and each failure
/// (`backup.attempt`, `backup.retry_in_ms`). On graceful shutdown it finishes the batch in progress and
/// returns; the next start resumes from the archive's checkpoint.
public final class BackupService: Service, Sendable {
    /// The source of messages.
    public let hotStore: any HotStore
    /// The destination.
    public let archive: any MessageArchive
    /// Schedule, batch size and retry policy.
    public let configuration: BackupConfiguration
    private let logger: Logger
    private let clock: @Sendable () -> Int64

    /// Creates the service; `clock` returns milliseconds since the Unix epoch.
    public init(
        hotStore: any HotStore,
        archive: any MessageArchive,
        configuration: BackupConfiguration = BackupConfiguration(),
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }
    ) {
        self.hotStore = hotStore
        self.archive = archive
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
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
        var batchStarted = ContinuousClock.now
        var batchLag: Int64 = 0
        var batchSize = 0
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
                continue
            default:
                break
            }
            do {
                switch action {
                case .readCheckpoint:
                    action = machine.checkpointRead(try await archive.readCheckpoint())
                case .trimHotStore(let upTo):
                    try await hotStore.trim(upTo: upTo)
                    action = machine.hotStoreTrimmed()
                case .readPending(let after, let limit):
                    batchStarted = ContinuousClock.now
                    let batch = try await hotStore.pending(after: after, limit: limit)
                    batchSize = batch.count
                    batchLag = batch.first.map { clock() - $0.createdAt } ?? 0
                    action = machine.pendingRead(batch)
                case .archive(let batch):
                    action = machine.archived(inserted: try await archive.insertBatch(batch))
                case .writeCheckpoint(let id):
                    try await archive.writeCheckpoint(id)
                    action = machine.checkpointWritten()
                    logger.info(
                        "backup batch archived",
                        metadata: [
                            "backup.batch_size": "\(batchSize)",
                            "backup.lag_ms": "\(batchLag)",
                            "backup.checkpoint": "\(id)",
                            "backup.duration_ms": "\(Self.milliseconds(ContinuousClock.now - batchStarted))",
                        ]
                    )
                case .retry, .finish:
                    preconditionFailure("handled above")
                }
            } catch {
                logger.warning("backup step failed", metadata: ["backup.error": "\(error)"])
                action = machine.failed()
            }
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
