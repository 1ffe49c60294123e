import NIOCore
import SwitchboardRedis
import SwitchboardTestSupport
import Testing

@Suite("RedisClient against a real redis-server", .timeLimit(.minutes(1)))
struct RedisClientTests {
    @Test("commands spread over the pool all succeed, 1000 in flight")
    func poolPipelining() async throws {
        try await withRedisServer { server in
            var configuration = server.configuration
            configuration.poolSize = 3
            let client = RedisClient(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<1000 {
                    group.addTask { try await client.send(RESPCommand("INCR", "n")) }
                }
                try await group.waitForAll()
            }
            #expect(try await client.send(RESPCommand("GET", "n")) == "1000")
            let clients = try await client.send(RESPCommand("CLIENT", "LIST")).string ?? ""
            #expect(clients.split(separator: "\n").count == 3)
            await client.shutdown()
            await expectRedisError(.clientShutdown) { try await client.send(RESPCommand("PING")) }
        }
    }

    @Test("after redis-server is killed: in-flight commands fail, none hang, commands work after restart")
    func reconnectAfterKill() async throws {
        try await withRedisServer { server in
            var configuration = server.configuration
            configuration.poolSize = 2
            configuration.reconnectBaseDelay = .milliseconds(20)
            configuration.reconnectMaxDelay = .milliseconds(100)
            let client = RedisClient(configuration: configuration)
            try await client.send(RESPCommand("SET", "k", "before"))

            // Many commands in flight while the server dies: each either succeeds or fails with a
            // connection error; none is left waiting.
            let outcomes = try await withThrowingTaskGroup(of: RedisError.Code?.self) { group in
                for index in 0..<500 {
                    group.addTask {
                        do throws(RedisError) {
                            try await client.send(RESPCommand("SET", "k\(index)", index))
                            return nil
                        } catch {
                            return error.code
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(2))
                server.kill()
                var codes: [RedisError.Code?] = []
                for try await code in group { codes.append(code) }
                return codes
            }
            #expect(outcomes.count == 500)
            for code in outcomes.compactMap({ $0 }) {
                #expect(code == .connectionClosed || code == .connectionFailed)
            }

            // While the server is down, commands fail clearly.
            await expectRedisError(.connectionFailed) { try await client.send(RESPCommand("PING")) }

            try await server.start()
            var reply: RESPValue?
            for _ in 0..<100 where reply == nil {
                reply = try? await client.send(RESPCommand("SET", "k", "after"))
                if reply == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(reply == .simpleString(ByteBuffer(string: "OK")))
            // Both pool connections are back.
            for _ in 0..<4 { #expect(try await client.send(RESPCommand("GET", "k")) == "after") }
            await client.shutdown()
        }
    }

    @Test("run() closes the connections when its task is cancelled")
    func serviceRunStopsOnCancellation() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: server.configuration)
            let running = Task { try await client.run() }
            try await client.send(RESPCommand("PING"))
            running.cancel()
            try await running.value
            await expectRedisError(.clientShutdown) { try await client.send(RESPCommand("PING")) }
        }
    }
}
