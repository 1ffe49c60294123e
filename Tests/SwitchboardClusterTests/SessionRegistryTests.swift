import ClusterProtocol
import NIOConcurrencyHelpers
import SwitchboardRedis
import SwitchboardTestSupport
import Testing

@testable import SwitchboardCluster

/// The session registry and node heartbeats against a real redis-server started by each test.
@Suite(.timeLimit(.minutes(1)))
struct SessionRegistryTests {
    let a = ClusterNodeID("node-a")
    let b = ClusterNodeID("node-b")

    func withRegistry(timeToLive: Duration = .seconds(60), _ body: (SessionRegistry, RedisClient) async throws -> Void) async throws {
        try await withRedisServer { server in
            let redis = RedisClient(configuration: server.configuration)
            let registry = SessionRegistry(redis: redis, keyspace: ClusterKeyspace(prefix: "t"), timeToLive: timeToLive)
            do {
                try await body(registry, redis)
            } catch {
                await redis.shutdown()
                throw error
            }
            await redis.shutdown()
        }
    }

    @Test func aRegisteredSessionNamesItsOwnerUntilItIsUnregistered() async throws {
        try await withRegistry { registry, _ in
            #expect(try await registry.owner(of: "s1") == nil)
            try await registry.register("s1", owner: a)
            #expect(try await registry.owner(of: "s1") == a)
            try await registry.unregister("s1", owner: a)
            #expect(try await registry.owner(of: "s1") == nil)
        }
    }

    @Test func anEntryExpiresUnlessItsOwnerRefreshesIt() async throws {
        // Refreshed ten times as often as it would expire, so a loaded machine still keeps it; the
        // unrefreshed entry must be gone within the deadline.
        try await withRegistry(timeToLive: .seconds(2)) { registry, _ in
            try await registry.register("kept", owner: a)
            try await registry.register("dropped", owner: a)
            let registered = ContinuousClock.now
            let deadline = registered + .seconds(20)
            while try await registry.owner(of: "dropped") != nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await registry.refresh(["kept"], owner: a) == 1)
            }
            #expect(ContinuousClock.now - registered >= .milliseconds(1_900))  // it lived its time to live
            #expect(try await registry.owner(of: "kept") == a)
            #expect(try await registry.owner(of: "dropped") == nil)
        }
    }

    @Test func aRefreshLeavesEntriesOfAnotherOwnerAlone() async throws {
        try await withRegistry(timeToLive: .seconds(60)) { registry, redis in
            try await registry.register("s", owner: b)
            #expect(try await registry.refresh(["s", "missing"], owner: a) == 0)
            #expect(try await registry.owner(of: "s") == b)
            let ttl = try await redis.send(RESPCommand("PTTL", "t-sid#s")).integer ?? 0
            #expect(ttl > 50_000)
        }
    }

    @Test func refreshingManySessionsWorksInBatches() async throws {
        try await withRegistry { registry, _ in
            let sids = (0..<1203).map { "s\($0)" }
            try await registry.registerAll(sids, owner: a)
            #expect(try await registry.refresh(sids, owner: a, batchSize: 500) == 1203)
        }
    }

    @Test func removingADeadNodesSessionsSparesSessionsThatMovedToAnotherNode() async throws {
        try await withRegistry { registry, redis in
            try await registry.register("s1", owner: a)
            try await registry.register("s2", owner: a)
            try await registry.register("s3", owner: b)
            // s2 was registered again by b since (a stale entry in a's list).
            try await registry.register("s2", owner: b)
            #expect(try await registry.removeSessions(of: a) == 1)
            #expect(try await registry.owner(of: "s1") == nil)
            #expect(try await registry.owner(of: "s2") == b)
            #expect(try await registry.owner(of: "s3") == b)
            #expect(try await redis.send(RESPCommand("EXISTS", "t-node-sids#node-a")).integer == 0)
        }
    }

    @Test func aNodeWhoseHeartbeatStopsIsCleanedUpByExactlyOneSurvivor() async throws {
        try await withRedisServer { server in
            let redis = RedisClient(configuration: server.configuration)
            defer { Task { await redis.shutdown() } }
            let keyspace = ClusterKeyspace(prefix: "t")
            let registry = SessionRegistry(redis: redis, keyspace: keyspace)
            let events = NIOLockedValueBox<[String]>([])
            // Survivors with a long time to live, so that a slow machine cannot make them look dead.
            func heartbeat(_ node: ClusterNodeID, timeToLive: Duration = .seconds(10)) -> NodeHeartbeat {
                NodeHeartbeat(
                    nodeID: node, keyspace: keyspace, redis: redis, timeToLive: timeToLive, logger: quietLogger,
                    onNodeLost: { lost in events.withLockedValue { $0.append("\(node) lost \(lost)") } },
                    onCleanup: { dead in
                        events.withLockedValue { $0.append("\(node) cleans \(dead)") }
                        _ = try? await registry.removeSessions(of: dead)
                    },
                    onReregister: {})
            }
            let c = ClusterNodeID("node-c")
            let (first, second, third) = (heartbeat(a), heartbeat(b), heartbeat(c, timeToLive: .seconds(2)))
            try await registry.register("owned-by-c", owner: c)
            for beat in [first, second, third] { try await beat.beat() }
            for beat in [first, second] { try await beat.beat() }
            #expect(first.liveNodes == [b, c])
            // c stops beating; its key expires while a and b go on.
            let deadline = ContinuousClock.now + .seconds(30)
            while events.withLockedValue({ $0.filter { $0.hasSuffix("lost node-c") }.count }) < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                for beat in [first, second] { try await beat.beat() }
            }
            for beat in [first, second] { try await beat.beat() }
            let seen = events.withLockedValue { $0 }
            #expect(seen.filter { $0.hasSuffix("lost node-c") }.count == 2)
            #expect(seen.filter { $0.contains("cleans node-c") }.count == 1)
            #expect(seen.allSatisfy { $0.hasSuffix("node-c") })
            #expect(try await registry.owner(of: "owned-by-c") == nil)
            let members = try await redis.send(RESPCommand("SMEMBERS", "t-nodes")).elements?.compactMap(\.string) ?? []
            #expect(Set(members) == ["node-a", "node-b"])
        }
    }
}
