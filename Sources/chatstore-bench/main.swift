// `chatstore-bench`: measures backup throughput into PostgreSQL and history-page latency.
//
// Usage: chatstore-bench [--archive postgres|memory] [--insert copy|insert] [--concurrency 4] [--chunk 2500] [--host 127.0.0.1] [--port 5432] [--user postgres] [--database postgres]
//                        [--messages 1000000] [--batch 10000] [--rooms 1000] [--pages 5000] [--page-size 50]
//
// Expects a reachable PostgreSQL (trust auth); it creates its tables in the given database and empties
// them first. Prints one line per figure.
//
// `chatstore-bench backup-loop --port <postgres> --redis-port <redis> [--batch 200]` instead runs the backup
// job from a Redis hot store into PostgreSQL over and over until killed: the victim of the SIGKILL test.
import ChatStore
import ChatStorePostgres
import Histogram
import Logging
import PostgresNIO

struct Options {
    var host = "127.0.0.1"
    var port = 5432
    var user = "postgres"
    var database = "postgres"
    var messages = 1_000_000
    var batch = 10_000
    var rooms = 1_000
    var pages = 5_000
    var pageSize = 50
    /// `postgres`, or `memory` to measure the job's own overhead without a database.
    var archive = "postgres"
    /// `copy` (COPY for batches newer than the archive, the default) or `insert` (UNNEST inserts only).
    var insert = "copy"
    /// Statements of one batch in flight at once.
    var concurrency = 4
    /// Rows per statement.
    var chunk = 2_500

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { fatalError("\(flag) needs a value") }
            switch flag {
            case "--host": host = value
            case "--port": port = Int(value)!
            case "--user": user = value
            case "--database": database = value
            case "--messages": messages = Int(value)!
            case "--batch": batch = Int(value)!
            case "--rooms": rooms = Int(value)!
            case "--pages": pages = Int(value)!
            case "--page-size": pageSize = Int(value)!
            case "--archive": archive = value
            case "--insert": insert = value
            case "--concurrency": concurrency = Int(value)!
            case "--chunk": chunk = Int(value)!
            default: fatalError("unknown option \(flag)")
            }
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

if CommandLine.arguments.dropFirst().first == "backup-loop" {
    try await runBackupLoop(Array(CommandLine.arguments.dropFirst(2)))
}

let options = Options(CommandLine.arguments)
var logger = Logger(label: "chatstore-bench")
logger.logLevel = .warning

let configuration = PostgresClient.Configuration(
    host: options.host, port: options.port, username: options.user, password: nil, database: options.database, tls: .disable
)
let client = PostgresClient(configuration: configuration)
let runner = Task { await client.run() }
let postgres = PostgresArchive(
    client: client, logger: logger, insertConcurrency: options.concurrency, copiesNewBatches: options.insert == "copy",
    rowsPerStatement: options.chunk
)
let archive: any MessageArchive
if options.archive == "memory" {
    archive = InMemoryArchive()
} else {
    try await postgres.migrate()
    try await client.query("TRUNCATE chat_messages, chat_backup_checkpoint")
    archive = postgres
}

// Fill the hot store (in memory, so the figure is the archive's).
let hot = InMemoryHotStore()
let fillStart = ContinuousClock.now
var filledIDs: [MessageID] = []
filledIDs.reserveCapacity(options.messages)
for index in 0..<options.messages {
    filledIDs.append(try await hot.append(
        NewMessage(
            clientMessageID: "c\(index)", room: "room\(index % options.rooms)", sender: "user\(index % 997)",
            body: "benchmark message number \(index) with a typical short chat text", metadata: index % 10 == 0 ? ["client": "bench"] : [:]
        )
    ).message.id)
}
print("hot store fill: \(options.messages) messages in \(String(format: "%.2f", seconds(ContinuousClock.now - fillStart))) s")

// Backup: hot → PostgreSQL in batches, checkpointed and trimmed.
let service = BackupService(
    hotStore: hot, archive: archive,
    configuration: BackupConfiguration(batchSize: options.batch, maxBatchesPerRun: Int.max),
    logger: logger
)
let backupStart = ContinuousClock.now
let summary = await service.runOnce()
let backupSeconds = seconds(ContinuousClock.now - backupStart)
print(
    "backup: \(summary.messagesInserted) messages in \(summary.batches) batches of \(options.batch) in "
        + "\(String(format: "%.2f", backupSeconds)) s = \(Int(Double(summary.messagesInserted) / backupSeconds)) msg/s"
        + (summary.gaveUp ? " (GAVE UP after \(summary.failures) failures)" : "")
)

// History pages: a little recent traffic in the hot store, the rest in the archive.
for index in 0..<10_000 {
    _ = try await hot.append(NewMessage(clientMessageID: "recent\(index)", room: "room\(index % options.rooms)", sender: "u", body: "recent \(index)"))
}
let reader = HistoryReader(hotStore: hot, archive: archive)
var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
var newestPages = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
var deepPages = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
var generator = SystemRandomNumberGenerator()
for _ in 0..<options.pages {
    let room = "room\(Int.random(in: 0..<options.rooms, using: &generator))"
    // Half the reads are the newest page, half start at a random depth of the room's history.
    var cursor: MessageID?
    if Bool.random(using: &generator) { cursor = filledIDs.randomElement(using: &generator) }
    let start = ContinuousClock.now
    let page = try await reader.page(room: room, before: cursor, limit: options.pageSize)
    let elapsed = ContinuousClock.now - start
    precondition(page.messages.count <= options.pageSize)
    let micros = UInt64(seconds(elapsed) * 1_000_000)
    _ = histogram.record(micros)
    _ = cursor == nil ? newestPages.record(micros) : deepPages.record(micros)
}
print(
    "history page (\(options.pageSize) msgs, \(options.pages) reads): p50 \(histogram.valueAtPercentile(50)) µs, "
        + "p99 \(histogram.valueAtPercentile(99)) µs, max \(histogram.max) µs; newest pages p50 \(newestPages.valueAtPercentile(50)) µs "
        + "p99 \(newestPages.valueAtPercentile(99)) µs; deeper pages p50 \(deepPages.valueAtPercentile(50)) µs p99 \(deepPages.valueAtPercentile(99)) µs"
)
runner.cancel()

