import NIOCore
import SwitchboardRedis
import Testing

/// Connects to a fake server that answers `HELLO` properly and everything else with `reply(command)`.
func fakeServer(replying reply: @escaping @Sendable (Int, [String]) -> String?) async throws -> FakeRedisServer {
    try await FakeRedisServer { connection, request, command in
        request == 0 ? FakeRedisServer.helloReply : reply(connection, command)
    }
}

func expectRedisError(
    _ code: RedisError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected RedisError \(code), got success", sourceLocation: sourceLocation)
    } catch let error as RedisError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected RedisError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("Malformed and oversized replies from a raw TCP server", .timeLimit(.minutes(1)))
struct MalformedReplyTests {
    @Test("an unknown type byte fails the command with protocolViolation and resets the connection")
    func unknownTypeByte() async throws {
        let server = try await fakeServer { _, _ in "?garbage\r\n" }
        defer { Task { await server.stop() } }
        let connection = try await RedisConnection.connect(configuration: RedisConfiguration(port: server.port))
        await expectRedisError(.protocolViolation) { try await connection.send(RESPCommand("GET", "k")) }
        try await connection.closeFuture.get()
        #expect(!connection.isActive)
        await expectRedisError(.connectionClosed) { try await connection.send(RESPCommand("GET", "k")) }
    }

    @Test("an oversized bulk string is refused from its header without waiting for its bytes")
    func oversizedBulk() async throws {
        let server = try await fakeServer { _, _ in "$1000000\r\nonly a few bytes" }
        defer { Task { await server.stop() } }
        var configuration = RedisConfiguration(port: server.port, commandTimeout: .seconds(30))
        configuration.decoderLimits.maxBulkLength = 1024
        let connection = try await RedisConnection.connect(configuration: configuration)
        let start = ContinuousClock.now
        await expectRedisError(.protocolViolation) { try await connection.send(RESPCommand("GET", "k")) }
        #expect(ContinuousClock.now - start < .seconds(5))
        try await connection.closeFuture.get()
    }

    @Test("an aggregate announcing too many elements is refused from its header")
    func oversizedAggregate() async throws {
        let server = try await fakeServer { _, _ in "*100000000\r\n" }
        defer { Task { await server.stop() } }
        var configuration = RedisConfiguration(port: server.port)
        configuration.decoderLimits.maxAggregateCount = 1000
        let connection = try await RedisConnection.connect(configuration: configuration)
        await expectRedisError(.protocolViolation) { try await connection.send(RESPCommand("KEYS", "*")) }
    }

    @Test("nesting deeper than the limit is refused")
    func tooDeep() async throws {
        let server = try await fakeServer { _, _ in String(repeating: "*1\r\n", count: 100) + ":1\r\n" }
        defer { Task { await server.stop() } }
        let connection = try await RedisConnection.connect(configuration: RedisConfiguration(port: server.port))
        await expectRedisError(.protocolViolation) { try await connection.send(RESPCommand("GET", "k")) }
    }

    @Test("a reply nobody asked for fails every pending command and closes")
    func unsolicitedReply() async throws {
        let server = try await fakeServer { _, command in command.first == "GET" ? "+one\r\n+two\r\n" : nil }
        defer { Task { await server.stop() } }
        let connection = try await RedisConnection.connect(configuration: RedisConfiguration(port: server.port))
        let first = try await connection.send(RESPCommand("GET", "k"))
        #expect(first.string == "one")
        try await connection.closeFuture.get()
    }

    @Test("a server that never answers trips the command timeout, failing all pending commands")
    func silentServer() async throws {
        let server = try await fakeServer { _, _ in nil }
        defer { Task { await server.stop() } }
        let connection = try await RedisConnection.connect(
            configuration: RedisConfiguration(port: server.port, commandTimeout: .milliseconds(200)))
        async let first: Void = expectRedisError(.timeout) { try await connection.send(RESPCommand("GET", "a")) }
        async let second: Void = expectRedisError(.timeout) { try await connection.send(RESPCommand("GET", "b")) }
        _ = await (first, second)
        try await connection.closeFuture.get()
    }

    @Test("a server that never finishes the handshake trips the connect timeout")
    func silentHandshake() async throws {
        let server = try await FakeRedisServer { _, _, _ in nil }
        defer { Task { await server.stop() } }
        await expectRedisError(.timeout) {
            _ = try await RedisConnection.connect(
                configuration: RedisConfiguration(port: server.port, connectTimeout: .milliseconds(200)))
        }
    }

    @Test("the client opens a new connection after a protocol violation reset the old one")
    func clientRecoversAfterViolation() async throws {
        let server = try await fakeServer { connection, _ in connection == 0 ? "\u{1}\r\n" : "+fine\r\n" }
        defer { Task { await server.stop() } }
        let client = RedisClient(configuration: RedisConfiguration(port: server.port, poolSize: 1))
        await expectRedisError(.protocolViolation) { try await client.send(RESPCommand("PING")) }
        // The broken connection may take a moment to be seen as closed.
        var reply: RESPValue?
        for _ in 0..<50 where reply == nil {
            reply = try? await client.send(RESPCommand("PING"))
            if reply == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(reply?.string == "fine")
        #expect(server.connections.accepted == 2)
        await client.shutdown()
    }
}
