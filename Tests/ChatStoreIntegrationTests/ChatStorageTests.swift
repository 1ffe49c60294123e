import ChatStorage
import ChatStore
import ChatStorePostgres
import ChatStoreRedis
import Foundation
import PostgresNIO
import ServiceLifecycle
import SwitchboardTestSupport
import Testing

@Suite(.serialized) struct ChatStorageTests {
    /// Appends, edits, backs up and reads through the assembled storage, then checks the directory.
    func exercise(_ storage: ChatStorage) async throws {
        let first = try await storage.messages.append(newMessage(1)).message
        let second = try await storage.messages.append(newMessage(2)).message
        _ = try await storage.messages.apply(.edit(body: "edited", at: 10), to: first.id, in: "lobby")
        let summary = await storage.messages.backup!.runOnce()
        #expect(summary.messagesInserted == 2 && !summary.gaveUp)
        _ = try await storage.messages.apply(.delete(at: 20), to: second.id, in: "lobby")
        let page = try await storage.messages.page(room: "lobby", limit: 10)
        #expect(page.messages.map(\.body) == ["", "edited"])
        try await storage.directory.createUser(DirectoryCheck.user("u1", "ann"))
        try await storage.directory.createRoom(DirectoryCheck.room("lobby", "Lobby"), members: ["u1"])
        #expect(try await storage.directory.rooms(member: "u1").map(\.id) == ["lobby"])
    }

    @Test(.timeLimit(.minutes(1)))
    func defaultsAreAMemoryHotStoreAndASQLiteFileInTheDataDirectory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatstorage-\(UUID().uuidString)/nested").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storage = try await ChatStorage.open(dataDirectory: directory, logger: testLogger)
        #expect(storage.messages.hotStore is InMemoryHotStore)
        try await exercise(storage)
        #expect(FileManager.default.fileExists(atPath: "\(directory)/chat.sqlite"))
        try await stop(storage)
        let reopened = try await ChatStorage.open(dataDirectory: directory, logger: testLogger)
        #expect(try await reopened.directory.user(username: "ANN")?.id == "u1")
        #expect(try await reopened.messages.page(room: "lobby", limit: 10).messages.map(\.body) == ["", "edited"])
        try await stop(reopened)
    }

    /// Runs the storage service in a group and shuts it down gracefully, which closes the stores.
    func stop(_ storage: ChatStorage) async throws {
        let group = ServiceGroup(services: [storage.service], gracefulShutdownSignals: [], logger: testLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func redisAndPostgresURLsSelectThoseServers() async throws {
        let redis = try await RedisServerProcess(durable: true)
        defer { redis.stop() }
        let postgres = try await PostgresServerProcess()
        defer { postgres.stop() }
        let storage = try await ChatStorage.open(
            dataDirectory: "/nonexistent/unused",
            redisURL: "redis://127.0.0.1:\(redis.port)",
            postgresURL: "postgres://postgres@127.0.0.1:\(postgres.port)/postgres?sslmode=disable",
            backupCron: "*/5 * * * *",
            logger: testLogger
        )
        #expect(storage.messages.hotStore is RedisHotStore)
        #expect(storage.messages.archive is PostgresArchive)
        #expect(storage.messages.backup?.configuration.schedule == (try CronSchedule("*/5 * * * *")))
        try await exercise(storage)
        try await stop(storage)
    }

    @Test(.timeLimit(.minutes(1)))
    func badOptionsAndUnreachableServersAreClearErrors() async throws {
        for (redisURL, postgresURL, cron, code) in [
            ("http://x", nil, "* * * * *", ChatStoreError.Code.invalidArgument),
            (nil, "mysql://x", "* * * * *", .invalidArgument),
            (nil, nil, "61 * * * *", .invalidCronExpression),
            ("redis://127.0.0.1:1", nil, "* * * * *", .unavailable),
        ] as [(String?, String?, String, ChatStoreError.Code)] {
            let thrown = await DirectoryCheck.errorCode {
                _ = try await ChatStorage.open(dataDirectory: "/tmp/unused-chatstorage", redisURL: redisURL, postgresURL: postgresURL, backupCron: cron, logger: testLogger)
            }
            #expect(thrown == code, "\(redisURL ?? "-") \(postgresURL ?? "-") \(cron)")
        }
    }

    @Test func postgresURLsParseIntoClientConfigurations() throws {
        let full = try PostgresClient.Configuration(chatURL: "postgresql://chat%40app:p%3Ass@db.example:6543/chat%20db?sslmode=disable")
        #expect(full.host == "db.example" && full.port == 6543)
        #expect(full.username == "chat@app" && full.password == "p:ss" && full.database == "chat db")
        let short = try PostgresClient.Configuration(chatURL: "postgres://[::1]")
        #expect(short.host == "::1" && short.port == 5432 && short.username == "postgres" && short.database == "postgres")
        for bad in ["postgres://", "postgres://h:0", "postgres://h:x", "postgres://h/%zz", "postgres://h?sslmode=verify-full", "pg://h"] {
            #expect(throws: ChatStoreError.self, "\(bad)") { try PostgresClient.Configuration(chatURL: bad) }
        }
    }
}
