import ChatStore
import ChatStorePostgres
import ChatStoreRedis
import Logging
import PostgresNIO
import SwitchboardRedis
import SwitchboardTestSupport

let testLogger = Logger(label: "test.chatstore")

extension RedisServerProcess {
    /// Client settings that reconnect quickly after the test kills and restarts the server.
    var configuration: RedisConfiguration {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.reconnectBaseDelay = .milliseconds(20)
        configuration.reconnectMaxDelay = .milliseconds(200)
        configuration.connectTimeout = .seconds(2)
        return configuration
    }
}

func newMessage(_ index: Int, room: String = "lobby") -> NewMessage {
    NewMessage(clientMessageID: "c\(index)", room: room, sender: "user\(index % 5)", body: "message \(index) ✓", metadata: ["n": "\(index)"])
}

/// Runs `body` with a PostgreSQL server, a running client and a migrated archive; stops everything after.
func withPostgresArchive<T>(
    operationTimeout: Duration = .seconds(20),
    _ body: (PostgresArchive, PostgresServerProcess) async throws -> T
) async throws -> T {
    let server = try await PostgresServerProcess()
    defer { server.stop() }
    var configuration = PostgresClient.Configuration(
        host: "127.0.0.1", port: server.port, username: "postgres", password: nil, database: "postgres", tls: .disable
    )
    configuration.options.connectTimeout = .seconds(2)
    configuration.options.maximumConnections = 4
    let client = PostgresClient(configuration: configuration)
    let runner = Task { await client.run() }
    defer { runner.cancel() }
    let archive = PostgresArchive(client: client, logger: testLogger, operationTimeout: operationTimeout)
    try await archive.migrate()
    return try await body(archive, server)
}

/// Runs `body` with a durable Redis server and a hot store over a fresh client; stops everything after.
func withRedisHotStore<T>(
    configuration: RedisHotStoreConfiguration = RedisHotStoreConfiguration(),
    _ body: (RedisHotStore, RedisServerProcess) async throws -> T
) async throws -> T {
    let server = try await RedisServerProcess(durable: true)
    defer { server.stop() }
    let client = RedisClient(configuration: server.configuration)
    defer { Task { await client.shutdown() } }
    return try await body(RedisHotStore(client: client, configuration: configuration), server)
}
