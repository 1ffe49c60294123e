import ChatStore
import ChatStorePostgres
import ChatStoreRedis
import Logging
import PostgresNIO
import SwitchboardRedis

/// Runs the backup job from the Redis hot store at `--redis-port` into the PostgreSQL archive at `--port`
/// in small batches, again and again, never returning: a process for a test to SIGKILL mid-batch.
/// `--pause-after-insert-ms N` holds every batch for N ms after the archive committed it and before the
/// checkpoint is written, so that a kill can land in exactly that window.
func runBackupLoop(_ arguments: [String]) async throws -> Never {
    var postgresPort = 5432, redisPort = 6379, batch = 200, pauseAfterInsert = 0
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        guard let value = iterator.next().flatMap({ Int($0) }) else { fatalError("\(flag) needs a number") }
        switch flag {
        case "--port": postgresPort = value
        case "--redis-port": redisPort = value
        case "--batch": batch = value
        case "--pause-after-insert-ms": pauseAfterInsert = value
        default: fatalError("unknown option \(flag)")
        }
    }
    var logger = Logger(label: "chatstore-bench.backup-loop")
    logger.logLevel = .error
    let client = PostgresClient(
        configuration: .init(host: "127.0.0.1", port: postgresPort, username: "postgres", password: nil, database: "postgres", tls: .disable)
    )
    _ = Task { await client.run() }
    let postgres = PostgresArchive(client: client, logger: logger)
    let archive: any MessageArchive =
        pauseAfterInsert > 0 ? PausingArchive(base: postgres, pause: .milliseconds(pauseAfterInsert)) : postgres
    let hot = RedisHotStore(client: RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: redisPort)))
    let service = BackupService(
        hotStore: hot, archive: archive, configuration: BackupConfiguration(batchSize: batch, maxBatchesPerRun: Int.max), logger: logger
    )
    _ = try await archive.readCheckpoint()
    while true {
        _ = await service.runOnce()
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// An archive that waits after each committed batch: the crash window between insert and checkpoint, held open.
struct PausingArchive: MessageArchive {
    let base: any MessageArchive
    let pause: Duration

    func migrate() async throws { try await base.migrate() }

    func insertBatch(_ messages: [StoredMessage]) async throws -> Int {
        let inserted = try await base.insertBatch(messages)
        try await Task.sleep(for: pause)
        return inserted
    }

    func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        try await base.messages(in: room, before: before, limit: limit)
    }

    func readCheckpoint() async throws -> MessageID? { try await base.readCheckpoint() }

    func writeCheckpoint(_ id: MessageID) async throws { try await base.writeCheckpoint(id) }

    func message(_ id: MessageID, in room: String) async throws -> StoredMessage? { try await base.message(id, in: room) }

    func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        try await base.apply(change, to: id, in: room)
    }
}
