import ChatStore
import ChatStorePostgres
import ChatStoreRedis
import ChatStoreSQLite
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import SwitchboardRedis

/// The chat's storage, assembled from the command line's choices: the message store (hot store + archive +
/// backup job), the directory, and one service to run in the server's service group.
///
/// - Hot store: Redis when a Redis URL is given, else process memory.
/// - Archive and directory: PostgreSQL when a PostgreSQL URL is given, else the SQLite file
///   `<data-dir>/chat.sqlite`.
public struct ChatStorage: Sendable {
    /// Appends, history, edits and deletes; its ``MessageStore/backup`` is run by ``service``.
    public let messages: MessageStore
    /// Accounts, rooms, memberships and read markers.
    public let directory: any ChatDirectory
    /// Runs the backup job on its schedule; on graceful shutdown it finishes the batch in progress and closes
    /// the database connections. Add it to the service group *before* the chat server, so that the group
    /// stops it after the server.
    public let service: any Service
    /// Closes the connections when ``service`` never ran (e.g. the server failed to start).
    private let closeConnections: @Sendable () async -> Void

    /// Closes the stores' connections without running the backup job: for a start that failed after
    /// ``open(dataDirectory:redisURL:postgresURL:backupCron:logger:)`` succeeded. Do not run ``service`` afterwards.
    public func close() async {
        await closeConnections()
    }

    /// Name of the SQLite file inside the data directory.
    public static let sqliteFileName = "chat.sqlite"

    /// Opens (and migrates) the stores.
    ///
    /// - Parameters:
    ///   - dataDirectory: where the SQLite file lives (created if missing); unused with `postgresURL`.
    ///   - redisURL: `redis://…` for a Redis hot store, or `nil` for memory.
    ///   - postgresURL: `postgres://…` for a PostgreSQL archive and directory, or `nil` for SQLite.
    ///   - backupCron: when the backup job runs (5-field cron, UTC); default every minute.
    ///   - logger: for the stores and the backup job.
    /// - Throws: ``ChatStoreError``: `.invalidArgument` or `.invalidCronExpression` for bad options,
    ///   `.unavailable` when a server cannot be reached, `.schemaMismatch` for a database newer than this build.
    public static func open(
        dataDirectory: String,
        redisURL: String? = nil,
        postgresURL: String? = nil,
        backupCron: String = "* * * * *",
        logger: Logger
    ) async throws -> ChatStorage {
        // Options first, so that a typo fails before anything is opened.
        let schedule = try CronSchedule(backupCron)
        let redisConfiguration: RedisConfiguration?
        do {
            redisConfiguration = try redisURL.map { url throws(RedisError) in try RedisConfiguration(url: url) }
        } catch {
            throw ChatStoreError(.invalidArgument, "invalid Redis URL", underlying: error)
        }
        let postgresConfiguration = try postgresURL.map { url throws(ChatStoreError) in try PostgresClient.Configuration(chatURL: url) }
        var closers: [@Sendable () async -> Void] = []
        do {
            let archive: any MessageArchive
            let directory: any ChatDirectory
            if let postgresConfiguration {
                let client = PostgresClient(configuration: postgresConfiguration, backgroundLogger: logger)
                // The client serves queries only while `run()` goes on; the storage service stops it last.
                let runner = Task { await client.run() }
                closers.append { runner.cancel() }
                let postgres = PostgresArchive(client: client, logger: logger)
                try await postgres.migrate()
                archive = postgres
                directory = PostgresChatDirectory(client: client, logger: logger)
            } else {
                try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
                let sqlite = try await SQLiteArchive.open(path: "\(dataDirectory)/\(sqliteFileName)", logger: logger)
                closers.append { try? await sqlite.close() }
                try await sqlite.migrate()
                archive = sqlite
                directory = SQLiteChatDirectory(sharing: sqlite)
            }

            let hotStore: any HotStore
            if let configuration = redisConfiguration {
                let client = RedisClient(configuration: configuration, logger: logger)
                closers.append { await client.shutdown() }
                do {
                    try await client.send(RESPCommand("PING"))
                } catch {
                    throw ChatStoreError(.unavailable, "cannot reach Redis at \(configuration.host):\(configuration.port)", underlying: error)
                }
                hotStore = RedisHotStore(client: client)
            } else {
                // New IDs must stay above the archived ones even if the clock stepped back across a restart.
                hotStore = InMemoryHotStore(startingAfter: try await archive.readCheckpoint())
            }

            let messages = MessageStore(
                hotStore: hotStore, archive: archive, backupConfiguration: BackupConfiguration(schedule: schedule), logger: logger
            )
            let service = ChatStorageService(backup: messages.backup!, closers: closers)
            let closeAll: @Sendable () async -> Void = { [closers] in for close in closers.reversed() { await close() } }
            return ChatStorage(messages: messages, directory: directory, service: service, closeConnections: closeAll)
        } catch {
            for close in closers.reversed() { await close() }
            throw error
        }
    }
}

/// Runs the backup job, then closes the stores' connections.
final class ChatStorageService: Service, Sendable {
    private let backup: BackupService
    private let closers: [@Sendable () async -> Void]

    init(backup: BackupService, closers: [@Sendable () async -> Void]) {
        self.backup = backup
        self.closers = closers
    }

    func run() async throws {
        do {
            try await backup.run()
        } catch {
            for close in closers.reversed() { await close() }
            throw error
        }
        for close in closers.reversed() { await close() }
    }
}
