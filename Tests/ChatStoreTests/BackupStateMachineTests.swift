@testable import ChatStore
import Testing

@Suite struct BackupStateMachineTests {
    let configuration = BackupConfiguration(batchSize: 2, maxAttempts: 3, retryBaseDelay: .milliseconds(100), retryMaxDelay: .milliseconds(250))

    func message(_ index: UInt64) -> StoredMessage {
        NewMessage(clientMessageID: "c\(index)", room: "r", sender: "s", body: "").stored(as: MessageID(milliseconds: index, sequence: 0)!)
    }

    @Test func firstRunWithoutCheckpointArchivesBatchesThenTrims() {
        var machine = BackupStateMachine(configuration: configuration)
        #expect(machine.start() == .readCheckpoint)
        #expect(machine.checkpointRead(nil) == .readPending(after: nil, limit: 2))
        let batch = [message(1), message(2)]
        #expect(machine.pendingRead(batch) == .archive(batch))
        #expect(machine.archived(inserted: 2) == .writeCheckpoint(message(2).id))
        #expect(machine.checkpointWritten() == .trimHotStore(upTo: message(2).id))
        #expect(machine.hotStoreTrimmed() == .readPending(after: message(2).id, limit: 2))
        #expect(machine.pendingRead([message(3)]) == .archive([message(3)]))
        #expect(machine.archived(inserted: 1) == .writeCheckpoint(message(3).id))
        #expect(machine.checkpointWritten() == .trimHotStore(upTo: message(3).id))
        // A short batch means drained: finish after the trim.
        guard case .finish(let summary) = machine.hotStoreTrimmed() else { Issue.record("expected finish"); return }
        #expect(summary.batches == 2 && summary.messagesArchived == 3 && summary.messagesInserted == 3)
        #expect(summary.checkpoint == message(3).id && !summary.gaveUp && summary.failures == 0)
        #expect(machine.isFinished)
    }

    @Test func existingCheckpointIsTrimmedFirstToFinishAnInterruptedRun() {
        var machine = BackupStateMachine(configuration: configuration)
        _ = machine.start()
        #expect(machine.checkpointRead(message(5).id) == .trimHotStore(upTo: message(5).id))
        #expect(machine.hotStoreTrimmed() == .readPending(after: message(5).id, limit: 2))
        guard case .finish(let summary) = machine.pendingRead([]) else { Issue.record("expected finish"); return }
        #expect(summary.batches == 0 && summary.checkpoint == message(5).id)
    }

    @Test func messagesAtOrBelowTheCheckpointAreNotArchivedAgain() {
        var machine = BackupStateMachine(configuration: configuration)
        _ = machine.start()
        _ = machine.checkpointRead(message(5).id)
        _ = machine.hotStoreTrimmed()
        #expect(machine.pendingRead([message(4), message(5), message(6)]) == .archive([message(6)]))
    }

    @Test func failuresRetryWithDoublingCappedBackoffFromTheCheckpoint() {
        var machine = BackupStateMachine(configuration: BackupConfiguration(batchSize: 2, maxAttempts: 5, retryBaseDelay: .milliseconds(100), retryMaxDelay: .milliseconds(250)))
        _ = machine.start()
        _ = machine.checkpointRead(nil)
        _ = machine.pendingRead([message(1)])
        #expect(machine.failed() == .retry(after: .milliseconds(100), attempt: 1))
        #expect(machine.retryDelayElapsed() == .readCheckpoint)
        #expect(machine.failed() == .retry(after: .milliseconds(200), attempt: 2))
        #expect(machine.retryDelayElapsed() == .readCheckpoint)
        #expect(machine.failed() == .retry(after: .milliseconds(250), attempt: 3))
        #expect(machine.retryDelayElapsed() == .readCheckpoint)
        // Reading again is no progress; a checkpointed batch is, and resets the count.
        #expect(machine.checkpointRead(nil) == .readPending(after: nil, limit: 2))
        #expect(machine.pendingRead([message(1)]) == .archive([message(1)]))
        #expect(machine.archived(inserted: 1) == .writeCheckpoint(message(1).id))
        #expect(machine.checkpointWritten() == .trimHotStore(upTo: message(1).id))
        #expect(machine.failed() == .retry(after: .milliseconds(100), attempt: 1))
        #expect(machine.summary.failures == 4)
    }

    @Test func runGivesUpAfterMaxAttemptsConsecutiveFailures() {
        var machine = BackupStateMachine(configuration: configuration)
        _ = machine.start()
        #expect(machine.failed() == .retry(after: .milliseconds(100), attempt: 1))
        _ = machine.retryDelayElapsed()
        #expect(machine.failed() == .retry(after: .milliseconds(200), attempt: 2))
        _ = machine.retryDelayElapsed()
        guard case .finish(let summary) = machine.failed() else { Issue.record("expected finish"); return }
        #expect(summary.gaveUp && summary.failures == 3 && summary.batches == 0)
    }

    @Test func trimmingTheOldCheckpointIsNoProgressSoARepeatedReadFailureGivesUp() {
        var machine = BackupStateMachine(configuration: configuration)
        _ = machine.start()
        for attempt in 1..<3 {
            #expect(machine.checkpointRead(message(1).id) == .trimHotStore(upTo: message(1).id))
            #expect(machine.hotStoreTrimmed() == .readPending(after: message(1).id, limit: 2))
            guard case .retry(_, let reported) = machine.failed() else { Issue.record("expected retry"); return }
            #expect(reported == attempt)
            #expect(machine.retryDelayElapsed() == .readCheckpoint)
        }
        _ = machine.checkpointRead(message(1).id)
        _ = machine.hotStoreTrimmed()
        guard case .finish(let summary) = machine.failed() else { Issue.record("expected finish"); return }
        #expect(summary.gaveUp && summary.failures == 3)
    }

    @Test func failureAfterArchiveCommitRedeliversTheSameBatch() {
        var machine = BackupStateMachine(configuration: configuration)
        _ = machine.start()
        _ = machine.checkpointRead(nil)
        let batch = [message(1), message(2)]
        _ = machine.pendingRead(batch)
        _ = machine.archived(inserted: 2)
        // Checkpoint write fails: start over; the checkpoint is still absent so the batch comes again.
        _ = machine.failed()
        #expect(machine.retryDelayElapsed() == .readCheckpoint)
        #expect(machine.checkpointRead(nil) == .readPending(after: nil, limit: 2))
        #expect(machine.pendingRead(batch) == .archive(batch))
        #expect(machine.archived(inserted: 0) == .writeCheckpoint(message(2).id))
        #expect(machine.summary.messagesInserted == 2)
    }

    @Test func runStopsAtMaxBatchesPerRun() {
        var machine = BackupStateMachine(configuration: BackupConfiguration(batchSize: 1, maxBatchesPerRun: 1))
        _ = machine.start()
        _ = machine.checkpointRead(nil)
        _ = machine.pendingRead([message(1)])
        _ = machine.archived(inserted: 1)
        _ = machine.checkpointWritten()
        guard case .finish(let summary) = machine.hotStoreTrimmed() else { Issue.record("expected finish"); return }
        #expect(summary.batches == 1)
    }

    @Test func unexpectedEventsEndTheRunInsteadOfCrashing() {
        var machine = BackupStateMachine(configuration: configuration)
        guard case .finish(let summary) = machine.archived(inserted: 1) else { Issue.record("expected finish"); return }
        #expect(summary.gaveUp)
        var other = BackupStateMachine(configuration: configuration)
        _ = other.start()
        guard case .finish = other.retryDelayElapsed() else { Issue.record("expected finish"); return }
    }

    @Test func configurationClampsOutOfRangeValues() {
        let clamped = BackupConfiguration(batchSize: 0, maxAttempts: 0, maxBatchesPerRun: -1)
        #expect(clamped.batchSize == 1 && clamped.maxAttempts == 1 && clamped.maxBatchesPerRun == 1)
    }
}
