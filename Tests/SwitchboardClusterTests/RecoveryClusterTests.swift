import NIOCore
import RESP
import SocketIO
import SwitchboardCluster
import SwitchboardJSON
import SwitchboardRedis
import Testing

/// Connection state recovery through Redis, and nodes surviving a Redis restart.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct RecoveryClusterTests {
    @Test func aClientRecoversItsSessionAndMissedEventsOnAnotherNode() async throws {
        let cluster = try await TestCluster.start(nodes: 2, recovery: true)
        defer { Task { await cluster.stop() } }
        let redis = RedisClient(configuration: cluster.redis.configuration)
        defer { Task { await redis.shutdown() } }
        let first = try await TestNode.start(redis: cluster.redis.configuration, prefix: cluster.prefix, recovery: true)
        let client = try await TestClient.connect(first.url)
        try await client.join("room")
        try await cluster.waitForSubscribers(cluster.roomChannel("room"), count: 1)
        let io = cluster.nodes[0].io
        io.to("room").emit("before")
        try await client.wait(for: "before")
        let sid = client.id

        // The client's node goes away; its session is kept in Redis.
        await first.http.stop()
        try await client.wait(for: "disconnect")
        try await eventually("the session is in Redis") {
            let keys = try? await redis.send(RESPCommand("KEYS", "\(cluster.prefix)-session#*"))
            return keys?.elements?.count == 1
        }
        io.to("room").emit("missed", 1)
        io.emit("missed-all")
        io.to("elsewhere").emit("not-for-you")
        try await eventually("the events are in the stream") {
            let length = try? await redis.send(RESPCommand("XLEN", "\(cluster.prefix)-packets#/"))
            return length?.integer == 4
        }

        // A new node takes over the address; the client reconnects to it and recovers.
        let replacement = try await TestNode.start(
            redis: cluster.redis.configuration, prefix: cluster.prefix, recovery: true, port: first.port)
        defer { Task { await replacement.stop(); await first.cluster.shutdown() } }
        try await client.wait(for: "connect", count: 2)
        #expect(client.socket.recovered)
        #expect(client.id == sid)
        try await client.wait(for: "missed")
        try await client.wait(for: "missed-all")
        #expect(client.events("missed").first?.first == 1)
        #expect(client.events("not-for-you").isEmpty)
        // Its rooms came back with it, on the new node.
        try await cluster.waitForSubscribers(cluster.roomChannel("room"), count: 1)
        cluster.nodes[1].io.to("room").emit("after")
        try await client.wait(for: "after")
    }

    @Test func anUnknownSessionIsNotRecovered() async throws {
        let cluster = try await TestCluster.start(nodes: 1, recovery: true)
        defer { Task { await cluster.stop() } }
        let client = try await TestClient.connect(cluster.nodes[0].url)
        #expect(!client.socket.recovered)
    }

    @Test func afterARedisRestartNodesReconnectAndResubscribe() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        defer { Task { await cluster.stop() } }
        let member = try await TestClient.connect(cluster.nodes[1].url)
        try await member.join("room")
        try await cluster.waitForSubscribers(cluster.roomChannel("room"), count: 1)

        cluster.redis.kill()
        try await cluster.redis.start()

        try await cluster.waitForSubscribers(cluster.roomChannel("room"), count: 1)
        try await cluster.waitForSubscribers("\(cluster.prefix)#/#", count: 2)
        // The publishing connection reconnects on demand; the first emits after the restart may be lost.
        try await eventually("a room broadcast crosses nodes again") {
            cluster.nodes[0].io.to("room").emit("after-restart")
            try? await Task.sleep(for: .milliseconds(50))
            return !member.events("after-restart").isEmpty
        }
        #expect(await cluster.nodes[0].io.mainNamespace.serverCount() == 2)
    }
}
