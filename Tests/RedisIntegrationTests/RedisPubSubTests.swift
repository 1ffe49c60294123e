import NIOCore
import SwitchboardRedis
import SwitchboardTestSupport
import Testing

@Suite("Pub/sub against a real redis-server", .timeLimit(.minutes(1)))
struct RedisPubSubTests {
    @Test("channel and pattern subscriptions receive published messages")
    func channelsAndPatterns() async throws {
        try await withRedisServer { server in
            let subscriber = RedisSubscriber(configuration: server.configuration)
            let client = RedisClient(configuration: server.configuration)
            try await subscriber.subscribe(to: ["room:1"])
            try await subscriber.subscribe(toPatterns: ["news.*"])
            var messages = subscriber.messages.makeAsyncIterator()

            #expect(try await client.publish(ByteBuffer(string: "hello"), to: "room:1") == 1)
            #expect(try await client.send(RESPCommand("PUBLISH", "news.tech", "swift")) == .integer(1))
            #expect(try await client.send(RESPCommand("PUBLISH", "elsewhere", "ignored")) == .integer(0))

            let first = await messages.next()
            #expect(first == RedisPubSubMessage(kind: .channel, channel: "room:1", payload: ByteBuffer(string: "hello")))
            let second = await messages.next()
            #expect(second == RedisPubSubMessage(
                kind: .pattern, channel: "news.tech", pattern: "news.*", payload: ByteBuffer(string: "swift")))

            try await subscriber.unsubscribe(from: ["room:1"])
            #expect(try await client.send(RESPCommand("PUBLISH", "room:1", "gone")) == .integer(0))
            #expect(await subscriber.subscriptions[.channel] == [])
            #expect(await subscriber.subscriptions[.pattern] == ["news.*"])

            await subscriber.shutdown()
            #expect(await messages.next() == nil)
            await expectRedisError(.clientShutdown) { try await subscriber.subscribe(to: ["x"]) }
            await client.shutdown()
        }
    }

    @Test("a RESP3 connection runs commands while subscribed")
    func commandsWhileSubscribed() async throws {
        try await withRedisServer { server in
            let received = AsyncStream.makeStream(of: RedisPush.self)
            let connection = try await RedisConnection.connect(configuration: server.configuration) { push in
                received.continuation.yield(push)
            }
            try await connection.send(RESPCommand("SUBSCRIBE", "a", "b"))
            try await connection.send(RESPCommand("SET", "k", "v"))
            #expect(try await connection.send(RESPCommand("GET", "k")) == "v")
            #expect(try await connection.send(RESPCommand("PUBLISH", "b", "self")) == .integer(1))
            var pushes = received.stream.makeAsyncIterator()
            #expect(await pushes.next() == .message(RedisPubSubMessage(kind: .channel, channel: "b", payload: ByteBuffer(string: "self"))))
            try await connection.send(RESPCommand("UNSUBSCRIBE"))
            #expect(try await connection.send(RESPCommand("PUBLISH", "b", "none")) == .integer(0))
            await connection.close()
        }
    }

    @Test("a RESP2 connection handles subscribe mode: confirmations, messages and PING")
    func resp2SubscribeMode() async throws {
        try await withRedisServer(arguments: ["--rename-command", "HELLO", ""]) { server in
            let received = AsyncStream.makeStream(of: RedisPush.self)
            let connection = try await RedisConnection.connect(configuration: server.configuration) { push in
                received.continuation.yield(push)
            }
            #expect(connection.protocolVersion == 2)
            let publisher = try await RedisConnection.connect(configuration: server.configuration)
            try await connection.send(RESPCommand("SUBSCRIBE", "c"))
            try await connection.send(RESPCommand("PSUBSCRIBE", "p*"))
            #expect(try await publisher.send(RESPCommand("PUBLISH", "c", "one")) == .integer(1))
            #expect(try await publisher.send(RESPCommand("PUBLISH", "px", "two")) == .integer(1))
            var pushes = received.stream.makeAsyncIterator()
            #expect(await pushes.next() == .message(RedisPubSubMessage(kind: .channel, channel: "c", payload: ByteBuffer(string: "one"))))
            #expect(await pushes.next() == .message(RedisPubSubMessage(kind: .pattern, channel: "px", pattern: "p*", payload: ByteBuffer(string: "two"))))
            #expect(try await connection.send(RESPCommand("PING")) == .array(["pong", ""]))
            try await connection.send(RESPCommand("UNSUBSCRIBE"))
            try await connection.send(RESPCommand("PUNSUBSCRIBE"))
            // Out of subscribe mode, ordinary commands work again.
            #expect(try await connection.send(RESPCommand("GET", "x")) == .null)
            await connection.close()
            await publisher.close()
        }
    }

    /// The server's configuration with short reconnect delays (20 ms, at most 200 ms).
    private func quickReconnect(_ server: RedisServerProcess) -> RedisConfiguration {
        var configuration = server.configuration
        configuration.reconnectBaseDelay = .milliseconds(20)
        configuration.reconnectMaxDelay = .milliseconds(200)
        return configuration
    }

    @Test("the subscriber subscribes again after redis-server restarts")
    func resubscribeAfterRestart() async throws {
        try await withRedisServer { server in
            let configuration = quickReconnect(server)
            let subscriber = RedisSubscriber(configuration: configuration)
            try await subscriber.subscribe(to: ["events"])
            try await subscriber.subscribe(toPatterns: ["user.*"])
            var messages = subscriber.messages.makeAsyncIterator()

            server.kill()
            try await server.start()

            let publisher = RedisClient(configuration: configuration)
            // Publish until the resubscribed connection receives (the subscriber reconnects in the background).
            var receivers: Int64 = 0
            for _ in 0..<200 where receivers < 2 {
                let channel = try await publisher.send(RESPCommand("PUBLISH", "events", "back")).integer ?? 0
                let pattern = try await publisher.send(RESPCommand("PUBLISH", "user.1", "back")).integer ?? 0
                receivers = channel + pattern
                if receivers < 2 { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(receivers == 2)
            var seen: Set<String> = []
            while seen.count < 2, let message = await messages.next() {
                seen.insert(message.channel)
            }
            #expect(seen == ["events", "user.1"])
            await subscriber.shutdown()
            await publisher.shutdown()
        }
    }

    @Test("a lost connection is reported, then the resubscription with the length of the gap")
    func gapIsReported() async throws {
        try await withRedisServer { server in
            let configuration = quickReconnect(server)
            let (events, continuation) = AsyncStream.makeStream(of: RedisSubscriber.ConnectionEvent.self)
            let subscriber = RedisSubscriber(configuration: configuration) { continuation.yield($0) }
            try await subscriber.subscribe(to: ["events"])
            var iterator = events.makeAsyncIterator()

            server.kill()
            #expect(await iterator.next() == .lost)
            try await Task.sleep(for: .milliseconds(500))
            try await server.restart()
            let event = await iterator.next()
            guard case .resubscribed(let gap)? = event else {
                Issue.record("expected a resubscription, got \(String(describing: event))")
                return
            }
            #expect(gap >= .milliseconds(500) && gap < .seconds(20))
            #expect(await subscriber.subscriptions[.channel] == ["events"])
            await subscriber.shutdown()
            continuation.finish()
            #expect(await iterator.next() == nil, "no event for the first connection or the shutdown")
        }
    }

    @Test("run() finishes the message stream when its task is cancelled; pattern unsubscribe stops delivery")
    func subscriberServiceLifecycle() async throws {
        try await withRedisServer { server in
            let subscriber = RedisSubscriber(configuration: server.configuration)
            let client = RedisClient(configuration: server.configuration)
            let running = Task { try await subscriber.run() }
            try await subscriber.subscribe(toPatterns: ["a.*", "b.*"])
            try await subscriber.unsubscribe(fromPatterns: ["a.*"])
            #expect(try await client.publish(ByteBuffer(string: "x"), to: "a.1") == 0)
            #expect(try await client.publish(ByteBuffer(string: "y"), to: "b.1") == 1)
            var messages = subscriber.messages.makeAsyncIterator()
            #expect(await messages.next()?.payload == ByteBuffer(string: "y"))
            running.cancel()
            try await running.value
            #expect(await messages.next() == nil)
            await client.shutdown()
        }
    }
}
