import NIOCore
import RESP
import SocketIO
import SwitchboardCluster
import SwitchboardJSON
import SwitchboardRedis
import SwitchboardTestSupport
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
        let client = try await TestClient.connect(first.url, reconnecting: true)
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
        // Its rooms came back with it, on the new node.
        try await cluster.waitForSubscribers(cluster.roomChannel("room"), count: 1)
        cluster.nodes[1].io.to("room").emit("after")
        try await client.wait(for: "after")
        #expect(client.events("not-for-you").isEmpty)
        // The server sends the missed events before the CONNECT reply, as socket.io does; the client
        // holds them and delivers them once the namespace is connected.
        #expect(client.events("missed") == [[1, client.events("missed").first?.last ?? .null]])
        #expect(client.events("missed-all").count == 1)
    }

    @Test func theSessionStoreOfOneNodeRestoresWhatAnotherNodeSaved() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let recovery = SocketIOConnectionStateRecovery(maxDisconnectionDuration: .seconds(30))
        var first = SocketIOServer.Configuration(connectionStateRecovery: recovery)
        var second = SocketIOServer.Configuration(connectionStateRecovery: recovery)
        let options = ClusterOptions(keyspace: .init(prefix: "store"))
        let nodeA = try await ClusterNode.join(redis: redis.configuration, configuration: &first, options: options, logger: quietLogger)
        var optionsB = options
        optionsB.nodeID = .random()
        let nodeB = try await ClusterNode.join(redis: redis.configuration, configuration: &second, options: optionsB, logger: quietLogger)
        defer { Task { await nodeA.shutdown(); await nodeB.shutdown() } }
        let storeA = try #require(first.connectionStateRecovery?.store as? RedisSessionStore)
        let storeB = try #require(second.connectionStateRecovery?.store as? RedisSessionStore)

        storeA.recordPacket(namespace: "/", offset: "o1", packet: ["a", "o1"], options: SocketIOBroadcastOptions())
        storeA.recordPacket(namespace: "/", offset: "o2", packet: ["b", "o2"], options: SocketIOBroadcastOptions(rooms: ["room"]))
        storeA.recordPacket(namespace: "/", offset: "o3", packet: ["c", "o3"], options: SocketIOBroadcastOptions(rooms: ["other"]))
        storeA.recordPacket(namespace: "/", offset: "o4", packet: ["d", "o4"], options: SocketIOBroadcastOptions(except: ["room"]))
        storeA.recordPacket(namespace: "/x", offset: "o5", packet: ["e", "o5"], options: SocketIOBroadcastOptions())
        storeA.recordPacket(namespace: "/", offset: "o6", packet: ["f", "o6"], options: SocketIOBroadcastOptions(rooms: ["sid"]))
        let session = SocketIOSession(namespace: "/", sid: "sid", pid: "pid", rooms: ["sid", "room"], data: ["k": "v"])
        storeA.saveSession(session)
        storeA.saveSession(SocketIOSession(namespace: "/", sid: "sid2", pid: "pid2", rooms: ["sid2"], data: .null))

        // The writes are fire and forget on node A's connection: wait until they landed.
        let redisClient = RedisClient(configuration: redis.configuration)
        defer { Task { await redisClient.shutdown() } }
        try await eventually("node A's writes reached Redis") {
            let sessions = try? await redisClient.send(RESPCommand("KEYS", "store-session#*"))
            let events = try? await redisClient.send(RESPCommand("XLEN", "store-packets#/"))
            return sessions?.elements?.count == 2 && events?.integer == 5
        }
        let restored = await restore(storeB, pid: "pid", offset: "o1")
        #expect(restored?.session == session)
        #expect(restored?.missedPackets == [["b", "o2"], ["f", "o6"]])
        #expect(await restore(storeB, pid: "pid", offset: "o1") == nil, "a session is handed out once")
        #expect(await restore(storeB, pid: "pid2", offset: "unknown") == nil, "an offset no longer in the stream")
        #expect(await restore(storeB, pid: "nobody", offset: "o1") == nil)
    }

    private func restore(_ store: RedisSessionStore, pid: String, offset: String) async -> SocketIORecoveredSession? {
        await withCheckedContinuation { continuation in
            store.restoreSession(namespace: "/", pid: pid, offset: offset) { continuation.resume(returning: $0) }
        }
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
        try await cluster.redis.restart()

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
