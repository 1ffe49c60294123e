import RESP
import SocketIO
import SwitchboardCluster
import SwitchboardRedis
import SwitchboardTestSupport
import Testing

/// A child of a dynamic namespace removed once empty (`cleanupEmptyChildNamespaces`) gives its Redis
/// subscriptions back.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ChildNamespaceCleanupTests {
    @Test func anEmptyChildNamespaceUnsubscribesItsChannelsAndIsSubscribedAgainWhenRecreated() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let prefix = "child"
        let node = try await TestNode.start(
            redis: redis.configuration, prefix: prefix, configure: { $0.cleanupEmptyChildNamespaces = true }
        ) { io in
            _ = try? io.of(regex: #"^/workspace-\d+$"#).onConnection { socket in
                socket.on("join") { socket, arguments, ack in
                    if let room = arguments.first?.stringValue { socket.join(room) }
                    ack?(.bool(true))
                }
            }
        }
        defer { Task { await node.stop() } }
        let redisClient = RedisClient(configuration: redis.configuration)
        defer { Task { await redisClient.shutdown() } }
        func subscribers(_ channel: String) async -> Int64? {
            (try? await redisClient.send(RESPCommand("PUBSUB", "NUMSUB", channel)))?.elements?.last?.integer
        }
        func channels() async -> Int {
            (try? await redisClient.send(RESPCommand("PUBSUB", "CHANNELS", "\(prefix)#*")))?.elements?.count ?? -1
        }
        let namespaceChannel = "\(prefix)#/workspace-1#"
        let roomChannel = "\(prefix)#/workspace-1#lobby#"
        try await eventually("the main namespace is subscribed") { await channels() == 1 }

        for round in 1...2 {
            let client = try await TestClient.connect("\(node.url)/workspace-1")
            try await client.join("lobby")
            try await eventually("round \(round): the child's channels are subscribed") {
                let counts = (await subscribers(namespaceChannel), await subscribers(roomChannel))
                return counts == (1, 1)
            }
            #expect(node.io.namespace(named: "/workspace-1") != nil)
            client.close()
            try await eventually("round \(round): the empty child is removed and its channels unsubscribed") {
                let counts = (await subscribers(namespaceChannel), await subscribers(roomChannel))
                return counts == (0, 0)
            }
            #expect(node.io.namespace(named: "/workspace-1") == nil)
            #expect(await channels() == 1, "only the main namespace's channel is left")
        }
    }
}
