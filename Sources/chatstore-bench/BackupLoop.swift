import ChatStore
import ChatStorePostgres
import ChatStoreRedis
import Logging
import PostgresNIO
import SwitchboardRedis

/// Runs the backup job from the Redis hot store at `--redis-port` into the PostgreSQL archive at `--port`
/// in small batches, again and again, never returning: a process for a test to SIGKILL mid-batch.
func runBackupLoop(_ arguments: [String]) async throws -> Never {
    var postgresPort = 5432, redisPort = 6379, batch = 200
    var iterator = arguments.makeIterator()
    while let flag = iterator.next() {
        guard let value = iterator.next().flatMap({ Int($0) }) else { fatalError("\(flag) needs a number") }
        switch flag {
        case "--port": postgresPort = value
        case "--redis-port": redisPort = value
        case "--batch": batch = value
        default: fatalError("unknown option \(flag)")
        }
    }
    var logger = Logger(label: "chatstore-bench.backup-loop")
    logger.logLevel = .error
    let client = PostgresClient(
        configuration: .init(host: "127.0.0.1", port: postgresPort, username: "postgres", password: nil, database: "postgres", tls: .disable)
    )
    _ = Task { await client.run() }
    let archive = PostgresArchive(client: client, logger: logger)
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
