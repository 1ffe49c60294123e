import NIOCore
import SwitchboardRedis
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
}
