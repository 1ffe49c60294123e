import ChatStore
import ChatStorePostgres
import ChatStoreRedis
import Foundation
import SwitchboardTestSupport
import Testing

/// The real crash: a separate process runs the backup job and is SIGKILLed while batches are in flight.
@Suite(.serialized) struct BackupKillTests {
    @Test(.timeLimit(.minutes(3)))
    func aBackupProcessKilledMidBatchLeavesNothingLostOrDuplicatedForTheNextRun() async throws {
        try await withPostgresArchive { (archive, postgres) async throws in
            try await withRedisHotStore { (hot, redis) async throws in
                var all: [StoredMessage] = []
                for index in 0..<6_000 { all.append(try await hot.append(newMessage(index, room: "room\(index % 7)")).message) }
                let ids = all.map(\.id.rawValue)  // ascending
                /// Archived rows, and how many of them the checkpoint covers; more rows than covered means the
                /// job is between a batch's insert and its checkpoint.
                func progress() async throws -> (rows: Int, covered: Int) {
                    var result = (rows: 0, covered: 0)
                    for try await (rows, checkpoint) in try await archive.client.query(
                        "SELECT (SELECT COUNT(*) FROM chat_messages), COALESCE((SELECT message_id FROM chat_backup_checkpoint), -1)"
                    ).decode((Int, Int64).self) {
                        result = (rows, ids.partitionPoint { $0 > checkpoint })
                    }
                    return result
                }
                var midBatchKills = 0
                // Kill the job up to eight times, each time as soon as it is seen between insert and checkpoint
                // (or once it has moved 600 more messages); a kill then lands mid-batch or just after.
                for attempt in 1...8 {
                    let before = try await progress()
                    guard before.rows < all.count else { break }
                    let child = Process()
                    child.executableURL = URL(fileURLWithPath: try ExternalProgram.built("chatstore-bench"))
                    child.arguments = ["backup-loop", "--port", "\(postgres.port)", "--redis-port", "\(redis.port)", "--batch", "150"]
                    // Every other run holds each batch open between insert and checkpoint, so a kill lands
                    // there for certain; the others are killed wherever the job happens to be.
                    if attempt % 2 == 1 { child.arguments! += ["--pause-after-insert-ms", "300"] }
                    child.standardOutput = FileHandle.nullDevice
                    try child.run()
                    while child.isRunning {
                        let now = try await progress()
                        if now.rows > now.covered || now.rows >= before.rows + 600 { break }
                    }
                    child.killAndWait()
                    #expect(child.terminationReason == .uncaughtSignal)
                    let after = try await progress()
                    if after.rows > after.covered { midBatchKills += 1 }
                }
                let summary = await BackupService(
                    hotStore: hot, archive: archive, configuration: BackupConfiguration(batchSize: 500), logger: testLogger
                ).runOnce()
                #expect(!summary.gaveUp)
                try await expectArchiveHolds(archive, exactly: all)
                #expect(try await archive.readCheckpoint() == all.last!.id)
                #expect(try await hot.pending(after: nil, limit: 10).isEmpty)
                // The paused runs guarantee kills between a batch's insert and its checkpoint.
                #expect(midBatchKills >= 1, "no kill landed between a batch's insert and its checkpoint")
            }
        }
    }
}
