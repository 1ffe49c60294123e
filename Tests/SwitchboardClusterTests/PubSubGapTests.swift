import MetricsTestKit
import RESP
import SocketIO
import SwitchboardCluster
import SwitchboardJSON
import SwitchboardRedis
import SwitchboardTestSupport
import Testing

/// Redis pub/sub is at-most-once: when a node's subscriber connection drops, the node resubscribes,
/// counts the gap, and nothing stays stuck (broadcasts flow again, requests end at their timeout).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct PubSubGapTests {
    private static let reconnects = "switchboard_cluster_pubsub_reconnects_total"
    private static let gaps = "switchboard_cluster_pubsub_gap_seconds"

    @Test func aKilledSubscriberConnectionIsResubscribedCountedAndBroadcastsFlowAgain() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let ((nodeA, metricsA), (nodeB, metricsB)) = try await (startNode(redis, "gap"), startNode(redis, "gap"))
        defer { Task { await nodeA.stop(); await nodeB.stop() } }
        let member = try await TestClient.connect(nodeB.url, answers: ["ask": "yes"])
        try await member.join("room")
        let redisClient = RedisClient(configuration: redis.configuration)
        defer { Task { await redisClient.shutdown() } }
        func subscribers(_ channel: String) async -> Int64? {
            (try? await redisClient.send(RESPCommand("PUBSUB", "NUMSUB", channel)))?.elements?.last?.integer
        }
        try await eventually("the room is subscribed") { await subscribers("gap#/#room#") == 1 }
        #expect(metricsB.counterTotal(label: Self.reconnects) == 0)

        // Kill every pub/sub connection (both nodes' subscribers).
        let killed = try await redisClient.send(RESPCommand("CLIENT", "KILL", "TYPE", "pubsub")).integer ?? 0
        #expect(killed == 2)
        try await eventually("both nodes resubscribed and counted the gap") {
            metricsA.counterTotal(label: Self.reconnects) == 1 && metricsB.counterTotal(label: Self.reconnects) == 1
        }
        #expect(try metricsB.expectTimer(Self.gaps).lastValue.map { $0 >= 0 } == true)
        #expect(await subscribers("gap#/#room#") == 1, "the room channel came back")
        #expect(await subscribers("gap#/#") == 2, "the namespace channel came back on both nodes")

        // Broadcasts and acknowledged requests cross nodes again.
        try await eventually("a room broadcast crosses nodes again") {
            nodeA.io.to("room").emit("after-gap")
            try? await Task.sleep(for: .milliseconds(50))
            return !member.events("after-gap").isEmpty
        }
        let acks = await nodeA.io.timeout(.seconds(2)).acknowledgements("ask", arguments: [])
        #expect(!acks.timedOut)
        #expect(acks.responses == [["yes"]])
    }

    @Test func requestsDuringARedisOutageEndAtTheirTimeoutAndTheGapIsMeasured() async throws {
        let redis = try await RedisServerProcess()
        defer { redis.stop() }
        let ((nodeA, metricsA), (nodeB, metricsB)) = try await (startNode(redis, "outage"), startNode(redis, "outage"))
        defer { Task { await nodeA.stop(); await nodeB.stop() } }
        nodeB.io.mainNamespace.onServerSideEvent { _, _, ack in ack?(["B"]) }
        let member = try await TestClient.connect(nodeB.url, answers: ["ask": "yes"])
        try await eventually("node B answers requests") {
            await nodeA.io.mainNamespace.serverSideEmitWithAck("ping", arguments: [], timeout: .seconds(1)) == [["B"]]
        }

        redis.kill()
        let outage = ContinuousClock.now
        // Neither kind of request hangs while Redis is gone.
        let started = ContinuousClock.now
        let answers = await nodeA.io.mainNamespace.serverSideEmitWithAck("ping", arguments: [], timeout: .seconds(1))
        let acks = await nodeA.io.timeout(.seconds(1)).acknowledgements("ask", arguments: [])
        #expect(ContinuousClock.now - started < .seconds(4), "both ended by their 1 s timeouts")
        #expect(answers.isEmpty)
        #expect(acks.responses.isEmpty, "node B's client never got the event")
        try await Task.sleep(until: outage + .seconds(1))

        try await redis.restart()
        try await eventually("both nodes resubscribed and counted the gap") {
            metricsA.counterTotal(label: Self.reconnects) == 1 && metricsB.counterTotal(label: Self.reconnects) == 1
        }
        let gap = try metricsB.expectTimer(Self.gaps).lastValue ?? 0
        #expect(gap >= 1_000_000_000, "the gap covers the outage (\(gap) ns)")
        try await eventually("requests are answered again") {
            await nodeA.io.mainNamespace.serverSideEmitWithAck("ping", arguments: [], timeout: .seconds(1)) == [["B"]]
        }
        try await eventually("acknowledged broadcasts cross nodes again") {
            await nodeA.io.timeout(.seconds(1)).acknowledgements("ask", arguments: []).responses == [["yes"]]
        }
        _ = member
    }

    /// A node with its own metrics.
    private func startNode(_ redis: RedisServerProcess, _ prefix: String) async throws -> (TestNode, TestMetrics) {
        let metrics = TestMetrics()
        return (try await TestNode.start(redis: redis.configuration, prefix: prefix, metricsFactory: metrics), metrics)
    }
}
