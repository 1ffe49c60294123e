import ClusterProtocol
import NIOCore
import RESP
import SocketIO
import SwitchboardCluster
import SwitchboardJSON
import SwitchboardRedis
import SwitchboardTestSupport
import Testing

/// Live sessions in Redis: a node that dies without seeing its sockets disconnect leaves them
/// recoverable on the other nodes.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct LiveSessionStoreTests {
    @Test func aLiveSessionOfANodeThatNeverSawTheDisconnectIsRestoredOnAnotherNodeOnce() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let (nodeA, storeA) = try await join(redis, prefix: "live")
        let (nodeB, storeB) = try await join(redis, prefix: "live")
        defer { Task { await nodeA.shutdown(); await nodeB.shutdown() } }
        let client = RedisClient(configuration: redis.configuration)
        defer { Task { await client.shutdown() } }

        storeB.recordPacket(namespace: "/", offset: "o1", packet: ["a", "o1"], options: SocketIOBroadcastOptions())
        storeA.sessionChanged(SocketIOSession(namespace: "/", sid: "sid", pid: "pid", rooms: ["sid"], data: .null))
        let session = SocketIOSession(namespace: "/", sid: "sid", pid: "pid", rooms: ["sid", "room"], data: ["k": "v"])
        storeA.sessionChanged(session)
        storeB.recordPacket(namespace: "/", offset: "o2", packet: ["b", "o2"], options: SocketIOBroadcastOptions(rooms: ["room"]))
        storeB.recordPacket(namespace: "/", offset: "o3", packet: ["c", "o3"], options: SocketIOBroadcastOptions(rooms: ["other"]))
        try await eventually("the live session and the events reached Redis") {
            let live = try? await client.send(RESPCommand("GET", "live-live#/#pid"))
            let events = try? await client.send(RESPCommand("XLEN", "live-packets#/"))
            return live?.bytes != nil && events?.integer == 3
        }
        let ttl = try await client.send(RESPCommand("PTTL", "live-live#/#pid")).integer ?? -1
        #expect(ttl > 0 && ttl <= 30_000, "a live session expires unless its node refreshes it")
        #expect(try await client.send(RESPCommand("EXISTS", "live-session#/#pid")).integer == 0)

        // Node A is never told of the disconnect (as when it is SIGKILLed): node B still restores.
        let restored = await restore(storeB, pid: "pid", offset: "o1")
        #expect(restored?.session == session, "the newest rooms and data")
        #expect(restored?.missedPackets == [["b", "o2"]])
        #expect(await restore(storeB, pid: "pid", offset: "o1") == nil, "a session is handed out once")
        #expect(try await client.send(RESPCommand("EXISTS", "live-live#/#pid")).integer == 0)
    }

    @Test func aNormalDisconnectTurnsTheLiveSessionIntoASavedOneAndALeaveRemovesIt() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let (node, store) = try await join(redis, prefix: "ends")
        defer { Task { await node.shutdown() } }
        let client = RedisClient(configuration: redis.configuration)
        defer { Task { await client.shutdown() } }

        let kept = SocketIOSession(namespace: "/", sid: "s1", pid: "p1", rooms: ["s1"], data: .null)
        store.sessionChanged(kept)
        store.sessionChanged(SocketIOSession(namespace: "/", sid: "s2", pid: "p2", rooms: ["s2"], data: .null))
        store.saveSession(kept)
        store.sessionEnded(namespace: "/", pid: "p2")
        try await eventually("the writes reached Redis") {
            let saved = try? await client.send(RESPCommand("EXISTS", "ends-session#/#p1"))
            return saved?.integer == 1
        }
        let live = try await client.send(RESPCommand("KEYS", "ends-live#*")).elements ?? []
        #expect(live.isEmpty)
        #expect(try await client.send(RESPCommand("EXISTS", "ends-session#/#p2")).integer == 0)
    }

    @Test func refreshingExtendsTheLiveSessionsOfThisNodeButDoesNotWriteBackATakenOne() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let (node, store) = try await join(redis, prefix: "refresh")
        defer { Task { await node.shutdown() } }
        let client = RedisClient(configuration: redis.configuration)
        defer { Task { await client.shutdown() } }

        store.sessionChanged(SocketIOSession(namespace: "/", sid: "s1", pid: "p1", rooms: ["s1"], data: .null))
        store.sessionChanged(SocketIOSession(namespace: "/", sid: "s2", pid: "p2", rooms: ["s2"], data: .null))
        try await eventually("the live sessions reached Redis") {
            let keys = try? await client.send(RESPCommand("KEYS", "refresh-live#*"))
            return keys?.elements?.count == 2
        }
        _ = try await client.send(RESPCommand("PEXPIRE", "refresh-live#/#p1", 1_000))
        _ = try await client.send(RESPCommand("DEL", "refresh-live#/#p2"))  // taken by another node
        store.refreshLiveSessions()
        try await eventually("the time to live is back to the full duration") {
            let ttl = try? await client.send(RESPCommand("PTTL", "refresh-live#/#p1"))
            return (ttl?.integer ?? 0) > 5_000
        }
        #expect(try await client.send(RESPCommand("EXISTS", "refresh-live#/#p2")).integer == 0)
    }

    @Test func aNodeThatLostTheSessionToAnotherNodeWritesNothingStaleWhenItSeesTheDisconnect() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let (nodeA, storeA) = try await join(redis, prefix: "halfopen")
        let (nodeB, storeB) = try await join(redis, prefix: "halfopen")
        defer { Task { await nodeA.shutdown(); await nodeB.shutdown() } }
        let client = RedisClient(configuration: redis.configuration)
        defer { Task { await client.shutdown() } }

        storeB.recordPacket(namespace: "/", offset: "o1", packet: ["a", "o1"], options: SocketIOBroadcastOptions())
        let onA = SocketIOSession(namespace: "/", sid: "sid", pid: "pid", rooms: ["sid", "old"], data: ["on": "A"])
        storeA.sessionChanged(onA)
        try await eventually("A's live copy reached Redis") {
            (try? await client.send(RESPCommand("EXISTS", "halfopen-live#/#pid")))?.integer == 1
        }
        // The client reconnects to B while A still holds its half-open socket: B takes the live copy.
        let taken = try #require(await restore(storeB, pid: "pid", offset: "o1"))
        #expect(taken.session == onA)
        let onB = SocketIOSession(namespace: "/", sid: "sid", pid: "pid", rooms: ["sid", "old", "new"], data: ["on": "B"])
        storeB.sessionChanged(onB)
        // A, unaware, changes its socket (a server-side join) and then sees the disconnect.
        storeA.sessionChanged(SocketIOSession(namespace: "/", sid: "sid", pid: "pid", rooms: ["sid", "old", "late"], data: ["on": "A"]))
        storeA.saveSession(onA)
        storeA.sessionEnded(namespace: "/", pid: "pid")
        // A marker after A's writes on A's ordered connection: once it is there, A's writes are done.
        storeA.recordPacket(namespace: "/", offset: "mark", packet: ["m", "mark"], options: SocketIOBroadcastOptions())
        try await eventually("A's writes reached Redis") {
            (try? await client.send(RESPCommand("XLEN", "halfopen-packets#/")))?.integer == 2
        }
        #expect(try await client.send(RESPCommand("EXISTS", "halfopen-session#/#pid")).integer == 0, "no stale saved copy")
        let live = try #require(try await client.send(RESPCommand("GET", "halfopen-live#/#pid")).bytes)
        #expect(try ClusterRecoveryCodec.decodeLiveSession(live).session == onB, "B's live copy is untouched")

        // B sees its socket disconnect: a later recovery (on A, say) gets B's state.
        storeB.saveSession(onB)
        try await eventually("B's saved copy reached Redis") {
            (try? await client.send(RESPCommand("EXISTS", "halfopen-session#/#pid")))?.integer == 1
        }
        let recovered = await restore(storeA, pid: "pid", offset: "o1")
        #expect(recovered?.session == onB)
        #expect(recovered?.missedPackets == [["m", "mark"]])
    }

    @Test func liveSessionsLostWithARedisRestartAreWrittenAgainAfterTheGap() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let (node, store) = try await join(redis, prefix: "restart")
        defer { Task { await node.shutdown() } }
        let client = RedisClient(configuration: redis.configuration)
        defer { Task { await client.shutdown() } }

        store.sessionChanged(SocketIOSession(namespace: "/", sid: "s1", pid: "p1", rooms: ["s1"], data: .null))
        let newest = SocketIOSession(namespace: "/", sid: "s1", pid: "p1", rooms: ["s1", "r"], data: ["n": 2])
        store.sessionChanged(newest)
        try await eventually("the live session reached Redis") {
            (try? await client.send(RESPCommand("EXISTS", "restart-live#/#p1")))?.integer == 1
        }
        redis.kill()
        try await redis.restart()
        try await eventually("the node wrote its live session again after the restart") {
            guard let bytes = (try? await client.send(RESPCommand("GET", "restart-live#/#p1")))?.bytes else { return false }
            return (try? ClusterRecoveryCodec.decodeLiveSession(bytes).session) == newest
        }
        let ttl = try await client.send(RESPCommand("PTTL", "restart-live#/#p1")).integer ?? -1
        #expect(ttl > 0 && ttl <= 30_000)
    }

    private func join(_ redis: RedisServerProcess, prefix: String) async throws -> (ClusterNode, RedisSessionStore) {
        var configuration = SocketIOServer.Configuration(
            connectionStateRecovery: SocketIOConnectionStateRecovery(maxDisconnectionDuration: .seconds(30)))
        var options = ClusterOptions(keyspace: .init(prefix: prefix))
        options.nodeID = .random()
        let node = try await ClusterNode.join(redis: redis.configuration, configuration: &configuration, options: options, logger: quietLogger)
        let store = try #require(configuration.connectionStateRecovery?.store as? RedisSessionStore)
        return (node, store)
    }

    private func restore(_ store: RedisSessionStore, pid: String, offset: String) async -> SocketIORecoveredSession? {
        await withCheckedContinuation { continuation in
            store.restoreSession(namespace: "/", pid: pid, offset: offset) { continuation.resume(returning: $0) }
        }
    }
}
