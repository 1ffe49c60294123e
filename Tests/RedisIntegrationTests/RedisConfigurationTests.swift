import NIOConcurrencyHelpers
import SwitchboardRedis
import Testing

@Suite("RedisConfiguration URLs")
struct RedisConfigurationURLTests {
    @Test("host, port and database")
    func hostPortDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis://cache.internal:6380/4")
        #expect(configuration.host == "cache.internal")
        #expect(configuration.port == 6380)
        #expect(configuration.database == 4)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
    }

    @Test("defaults when only the host is given")
    func defaults() throws {
        let configuration = try RedisConfiguration(url: "redis://localhost")
        #expect(configuration.host == "localhost")
        #expect(configuration.port == 6379)
        #expect(configuration.database == 0)
        #expect(try RedisConfiguration(url: "redis://").host == "127.0.0.1")
    }

    @Test("user and percent-decoded password")
    func userInfo() throws {
        let configuration = try RedisConfiguration(url: "redis://app:p%40ss%3Aword@db:7000/1")
        #expect(configuration.username == "app")
        #expect(configuration.password == "p@ss:word")
        #expect(configuration.host == "db")
        #expect(configuration.port == 7000)
    }

    @Test("a password without a user name, in both spellings")
    func passwordOnly() throws {
        #expect(try RedisConfiguration(url: "redis://:secret@h").password == "secret")
        #expect(try RedisConfiguration(url: "redis://:secret@h").username == nil)
        #expect(try RedisConfiguration(url: "redis://secret@h").password == "secret")
    }

    @Test("an IPv6 host in brackets")
    func ipv6() throws {
        let configuration = try RedisConfiguration(url: "redis://[::1]:6390")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 6390)
    }

    @Test("invalid URLs are refused with invalidConfiguration",
          arguments: ["http://h", "redis://h:0", "redis://h:99999", "redis://h:port", "redis://h/x",
                      "redis://h/-1", "redis://[::1", "redis://u:%zz@h"])
    func invalid(url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        do {
            _ = try RedisConfiguration(url: url)
        } catch {
            #expect(error.code == .invalidConfiguration)
        }
    }
}

@Suite("Bytes on the wire", .timeLimit(.minutes(1)))
struct RedisWireTests {
    @Test("the handshake sends HELLO 3 with AUTH and SETNAME, then SELECT, then the commands")
    func handshakeBytes() async throws {
        let seen = NIOLockedValueBox<[[String]]>([])
        let server = try await FakeRedisServer { _, request, command in
            seen.withLockedValue { $0.append(command) }
            return request == 0 ? FakeRedisServer.helloReply : "+OK\r\n"
        }
        defer { Task { await server.stop() } }
        let configuration = RedisConfiguration(
            port: server.port, username: "u", password: "p", database: 5, clientName: "name")
        let connection = try await RedisConnection.connect(configuration: configuration)
        try await connection.send(RESPCommand("SET", "k", "v"))
        #expect(seen.withLockedValue { $0 } == [
            ["HELLO", "3", "AUTH", "u", "p", "SETNAME", "name"],
            ["SELECT", "5"],
            ["SET", "k", "v"],
        ])
        await connection.close()
    }

    @Test("the exact bytes: HELLO 3, then each command as an array of bulk strings")
    func exactBytes() async throws {
        let server = try await fakeServer { _, _ in ":1\r\n" }
        defer { Task { await server.stop() } }
        let connection = try await RedisConnection.connect(configuration: RedisConfiguration(port: server.port))
        #expect(try await connection.send(RESPCommand("INCR", "n")) == .integer(1))
        #expect(String(buffer: server.received)
                == "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n" + "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
        await connection.close()
    }

    @Test("when HELLO is refused, AUTH and CLIENT SETNAME follow before SELECT")
    func fallbackBytes() async throws {
        let seen = NIOLockedValueBox<[[String]]>([])
        let server = try await FakeRedisServer { _, request, command in
            seen.withLockedValue { $0.append(command) }
            return request == 0 ? "-ERR unknown command 'HELLO'\r\n" : "+OK\r\n"
        }
        defer { Task { await server.stop() } }
        let configuration = RedisConfiguration(port: server.port, password: "p", database: 1, clientName: "n")
        let connection = try await RedisConnection.connect(configuration: configuration)
        #expect(connection.protocolVersion == 2)
        #expect(seen.withLockedValue { $0 } == [
            ["HELLO", "3", "AUTH", "default", "p", "SETNAME", "n"],
            ["AUTH", "p"],
            ["CLIENT", "SETNAME", "n"],
            ["SELECT", "1"],
        ])
        await connection.close()
    }
}
