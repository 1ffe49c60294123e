import NIOCore
import NIOPosix
import SwitchboardRedis
import SwitchboardTestSupport
import Testing

@Suite("RedisConnection against a real redis-server", .timeLimit(.minutes(1)))
struct RedisConnectionTests {
    @Test("SET then GET returns the stored bytes over RESP3")
    func setThenGet() async throws {
        try await withRedisServer { server in
            let connection = try await RedisConnection.connect(configuration: server.configuration)
            #expect(connection.protocolVersion == 3)
            let set = try await connection.send(RESPCommand("SET", "greeting", "hello"))
            #expect(set == .simpleString(ByteBuffer(string: "OK")))
            let get = try await connection.send(RESPCommand("GET", "greeting"))
            #expect(get == "hello")
            let missing = try await connection.send(RESPCommand("GET", "missing"))
            #expect(missing == .null)
            await connection.close()
        }
    }

    @Test("RESP3 replies: maps, sets, doubles, integers and binary values")
    func resp3Types() async throws {
        try await withRedisServer { server in
            let connection = try await RedisConnection.connect(configuration: server.configuration)
            try await connection.send(RESPCommand("HSET", "h", "f", "v"))
            #expect(try await connection.send(RESPCommand("HGETALL", "h")) == .map([RESPPair(key: "f", value: "v")]))
            try await connection.send(RESPCommand("SADD", "s", "m"))
            #expect(try await connection.send(RESPCommand("SMEMBERS", "s")) == .set(["m"]))
            try await connection.send(RESPCommand("ZADD", "z", 1.5, "m"))
            #expect(try await connection.send(RESPCommand("ZSCORE", "z", "m")) == .double(1.5))
            #expect(try await connection.send(RESPCommand("INCRBY", "n", 41)) == .integer(41))
            let binary = ByteBuffer(bytes: [0, 13, 10, 255, 0])
            try await connection.send(RESPCommand("SET", "bin", binary))
            #expect(try await connection.send(RESPCommand("GET", "bin")) == .bulkString(binary))
            await connection.close()
        }
    }

    @Test("an error reply throws commandFailed and leaves the connection usable")
    func errorReply() async throws {
        try await withRedisServer { server in
            let connection = try await RedisConnection.connect(configuration: server.configuration)
            try await connection.send(RESPCommand("LPUSH", "list", "x"))
            await expectRedisError(.commandFailed) { try await connection.send(RESPCommand("INCR", "list")) }
            do throws(RedisError) {
                try await connection.send(RESPCommand("INCR", "list"))
            } catch {
                #expect(error.serverErrorCode == "WRONGTYPE")
            }
            #expect(try await connection.send(RESPCommand("PING")) == .simpleString(ByteBuffer(string: "PONG")))
            await connection.close()
        }
    }

    @Test("1000 commands in flight at once all get their own reply, in order")
    func pipelining() async throws {
        try await withRedisServer { server in
            let connection = try await RedisConnection.connect(configuration: server.configuration)
            let futures = (0..<1000).map { index in
                connection.send(RESPCommand("INCR", "counter")).map { ($0, index) }
            }
            let replies = try await EventLoopFuture.whenAllSucceed(futures, on: connection.eventLoop).get()
            for (reply, index) in replies {
                #expect(reply == .integer(Int64(index + 1)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1000 {
                    group.addTask { try await connection.send(RESPCommand("SET", "k\(index)", index)) }
                }
                try await group.waitForAll()
            }
            #expect(try await connection.send(RESPCommand("GET", "k999")) == "999")
            #expect(try await connection.send(RESPCommand("DBSIZE")) == .integer(1001))
            await connection.close()
        }
    }

    @Test("the database in the configuration is selected")
    func selectDatabase() async throws {
        try await withRedisServer { server in
            var configuration = server.configuration
            configuration.database = 3
            let three = try await RedisConnection.connect(configuration: configuration)
            try await three.send(RESPCommand("SET", "where", "db3"))
            let zero = try await RedisConnection.connect(configuration: server.configuration)
            #expect(try await zero.send(RESPCommand("GET", "where")) == .null)
            #expect(try await three.send(RESPCommand("GET", "where")) == "db3")
            configuration.database = 99
            await expectRedisError(.handshakeFailed) { _ = try await RedisConnection.connect(configuration: configuration) }
            await three.close()
            await zero.close()
        }
    }

    @Test("a server with requirepass accepts the right password and refuses a wrong one")
    func requirePass() async throws {
        try await withRedisServer(arguments: ["--requirepass", "s3cret"]) { server in
            var configuration = server.configuration
            configuration.password = "s3cret"
            configuration.database = 1
            let connection = try await RedisConnection.connect(configuration: configuration)
            #expect(connection.protocolVersion == 3)
            #expect(try await connection.send(RESPCommand("PING")) == .simpleString(ByteBuffer(string: "PONG")))
            await connection.close()

            configuration.password = "wrong"
            await expectRedisError(.authenticationFailed) { _ = try await RedisConnection.connect(configuration: configuration) }

            let anonymous = try await RedisConnection.connect(configuration: server.configuration)
            await expectRedisError(.commandFailed) { try await anonymous.send(RESPCommand("GET", "k")) }
            await anonymous.close()
        }
    }

    @Test("ACL user name and password authenticate")
    func aclUser() async throws {
        try await withRedisServer { server in
            let admin = try await RedisConnection.connect(configuration: server.configuration)
            try await admin.send(RESPCommand("ACL", "SETUSER", "app", "on", ">apppw", "~*", "+@all"))
            var configuration = server.configuration
            configuration.username = "app"
            configuration.password = "apppw"
            let app = try await RedisConnection.connect(configuration: configuration)
            #expect(try await app.send(RESPCommand("ACL", "WHOAMI")) == "app")
            await app.close()
            await admin.close()
        }
    }

    @Test("when HELLO is refused the connection falls back to RESP2 with AUTH and SELECT")
    func resp2Fallback() async throws {
        try await withRedisServer(arguments: ["--rename-command", "HELLO", "", "--requirepass", "pw"]) { server in
            var configuration = server.configuration
            configuration.password = "pw"
            configuration.database = 2
            configuration.clientName = "switchboard-test"
            let connection = try await RedisConnection.connect(configuration: configuration)
            #expect(connection.protocolVersion == 2)
            try await connection.send(RESPCommand("HSET", "h", "f", "v"))
            // RESP2 has no maps: HGETALL is a flat array.
            #expect(try await connection.send(RESPCommand("HGETALL", "h")) == .array(["f", "v"]))
            #expect(try await connection.send(RESPCommand("CLIENT", "GETNAME")) == "switchboard-test")
            #expect(try await connection.send(RESPCommand("GET", "missing")) == .null)
            let info = try await connection.send(RESPCommand("CLIENT", "INFO")).string ?? ""
            #expect(info.contains("db=2"))
            #expect(info.contains("resp=2"))

            configuration.password = "bad"
            await expectRedisError(.authenticationFailed) { _ = try await RedisConnection.connect(configuration: configuration) }
            await connection.close()
        }
    }

    @Test("close waits for the replies of commands already sent")
    func gracefulClose() async throws {
        try await withRedisServer { server in
            let connection = try await RedisConnection.connect(configuration: server.configuration)
            let futures = (0..<100).map { _ in connection.send(RESPCommand("INCR", "n")) }
            let closed: EventLoopFuture<Void> = connection.close()
            let replies = try await EventLoopFuture.whenAllSucceed(futures, on: connection.eventLoop).get()
            #expect(replies.last == .integer(100))
            try await closed.get()
            await expectRedisError(.connectionClosed) { try await connection.send(RESPCommand("PING")) }
        }
    }
}
