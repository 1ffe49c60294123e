import NIOConcurrencyHelpers
import NIOCore
import RESP
import SocketIO
import SwitchboardCluster
import SwitchboardJSON
import SwitchboardRedis
import Testing

/// Acknowledged broadcasts and cluster-wide requests across three nodes.
///
/// Time limits are seconds, not a few hundred milliseconds: a node that does not report within half the limit
/// counts as missing, and on a loaded 2-core machine (parallel test suites) an answering node can be that late.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AdapterRequestTests {
    @Test func acknowledgementsAreGatheredAcrossNodes() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        for (index, node) in cluster.nodes.enumerated() {
            _ = try await TestClient.connect(node.url, answers: ["ask": .int(Int64(index))])
        }
        let acks = await cluster.nodes[0].io.timeout(.seconds(3)).acknowledgements("ask", arguments: [])
        #expect(!acks.timedOut)
        #expect(acks.expected == 3)
        #expect(Set(acks.responses.map { $0.first?.intValue }) == [0, 1, 2])
        let answers = try await cluster.nodes[1].io.timeout(.seconds(3)).emitWithAck("ask", arguments: [])
        #expect(answers.count == 3)
    }

    @Test func aClientThatDoesNotAnswerOnAnotherNodeTimesTheBroadcastOut() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        _ = try await TestClient.connect(cluster.nodes[0].url, answers: ["ask": "yes"])
        _ = try await TestClient.connect(cluster.nodes[1].url)  // never answers
        let acks = await cluster.nodes[0].io.timeout(.seconds(3)).acknowledgements("ask", arguments: [])
        #expect(acks.timedOut)
        #expect(acks.expected == 2)
        #expect(acks.responses == [["yes"]])
        #expect(acks.error?.code == .timeout)
    }

    @Test func aNodeThatDoesNotAnswerCountsAsAMissingAcknowledgement() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        defer { Task { await cluster.stop() } }
        for node in cluster.nodes { _ = try await TestClient.connect(node.url, answers: ["ask": "yes"]) }
        // A subscriber on the namespace channel that never answers: a stuck node.
        let stuck = RedisSubscriber(configuration: cluster.redis.configuration)
        try await stuck.subscribe(to: ["\(cluster.prefix)#/#"])
        defer { Task { await stuck.shutdown() } }
        let acks = await cluster.nodes[0].io.timeout(.seconds(3)).acknowledgements("ask", arguments: [])
        #expect(acks.timedOut)
        #expect(acks.responses.count == 2)
        #expect(acks.expected == 3)
        #expect(acks.missing == 1)
    }

    @Test func fetchSocketsReturnsHandlesForSocketsOnEveryNode() async throws {
        let cluster = try await TestCluster.start { index, io in
            io.onConnection { socket in socket.data = ["node": .int(Int64(index))] }
        }
        defer { Task { await cluster.stop() } }
        var clients: [TestClient] = []
        for node in cluster.nodes { clients.append(try await TestClient.connect(node.url)) }
        let sockets = await cluster.nodes[0].io.fetchSockets()
        #expect(Set(sockets.map(\.id)) == Set(clients.map(\.id)))
        let remote = try #require(sockets.first { $0.id == clients[2].id })
        #expect(remote.data == ["node": 2])
        #expect(remote.rooms == [clients[2].id])
        #expect(remote.handshake.url.hasPrefix("/socket.io/"))

        remote.emit("direct", "from-node-0")
        try await clients[2].wait(for: "direct")
        remote.join("vip")
        try await cluster.waitForSubscribers(cluster.roomChannel("vip"), count: 1)
        let vips = await cluster.nodes[1].io.to("vip").fetchSockets()
        #expect(vips.map(\.id) == [clients[2].id])
        remote.leave("vip")
        try await cluster.waitForSubscribers(cluster.roomChannel("vip"), count: 0)
        remote.disconnect()
        try await clients[2].wait(for: "disconnect")
    }

    @Test func socketsJoinLeaveAndDisconnectReachEveryNode() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        var clients: [TestClient] = []
        for node in cluster.nodes { clients.append(try await TestClient.connect(node.url)) }
        let io = cluster.nodes[0].io
        io.socketsJoin("everyone")
        try await cluster.waitForSubscribers(cluster.roomChannel("everyone"), count: 3)
        #expect(await io.in("everyone").fetchSockets().count == 3)
        io.in(clients[1].id).socketsLeave("everyone")
        try await cluster.waitForSubscribers(cluster.roomChannel("everyone"), count: 2)
        #expect(Set(await io.in("everyone").fetchSockets().map(\.id)) == [clients[0].id, clients[2].id])
        io.in("everyone").disconnectSockets()
        try await clients[0].wait(for: "disconnect")
        try await clients[2].wait(for: "disconnect")
        #expect(clients[1].events("disconnect").isEmpty)
    }

    @Test func serverSideEventsReachTheOtherNodesAndTheirAcknowledgementsComeBack() async throws {
        let cluster = try await TestCluster.start { index, io in
            io.mainNamespace.onServerSideEvent { event, arguments, ack in
                ack?([.string("node-\(index)"), .string(event)] + arguments)
            }
        }
        defer { Task { await cluster.stop() } }
        let answers = await cluster.nodes[0].io.mainNamespace.serverSideEmitWithAck("ping", arguments: [1])
        #expect(Set(answers) == [["node-1", "ping", 1], ["node-2", "ping", 1]])
    }

    @Test func serverSideEmitWithoutAcknowledgementIsDelivered() async throws {
        let received = ReceivedEvents()
        let cluster = try await TestCluster.start { index, io in
            io.mainNamespace.onServerSideEvent { event, arguments, ack in
                received.add("\(index):\(event):\(arguments.compactMap(\.stringValue))", hadAck: ack != nil)
            }
        }
        defer { Task { await cluster.stop() } }
        cluster.nodes[2].io.serverSideEmit("hello", "x")
        try await eventually("both other nodes got the event") { received.count == 2 }
        #expect(received.all == ["0:hello:[\"x\"]", "1:hello:[\"x\"]"])
        #expect(!received.anyHadAck)
    }

    @Test func aNodeThatDoesNotAnswerARequestIsATimeoutError() async throws {
        let cluster = try await TestCluster.start(nodes: 2) { _, io in
            io.mainNamespace.onServerSideEvent { _, _, ack in ack?(["ok"]) }
        }
        defer { Task { await cluster.stop() } }
        let stuck = RedisSubscriber(configuration: cluster.redis.configuration)
        try await stuck.subscribe(to: ["\(cluster.prefix)#/#"])
        defer { Task { await stuck.shutdown() } }
        let adapter = cluster.nodes[0].adapter
        do {
            _ = try await adapter.serverSideEmitWithAckOrFail("q", arguments: [], timeout: .seconds(2))
            Issue.record("no error")
        } catch {
            #expect(error.code == .timeout)
            #expect(error.missingNodes == 1)
        }
        do {
            _ = try await adapter.fetchSockets(SocketIOBroadcastOptions(), timeout: .seconds(2))
            Issue.record("no error")
        } catch {
            #expect(error.code == .timeout)
        }
        // The lenient variants return what arrived.
        #expect(await adapter.serverSideEmitWithAck("q", arguments: [], timeout: .seconds(2)) == [["ok"]])
    }
}

final class ReceivedEvents: Sendable {
    private let state = NIOLockedValueBox<(events: [String], acks: Bool)>(([], false))
    func add(_ event: String, hadAck: Bool) { state.withLockedValue { $0.events.append(event); $0.acks = $0.acks || hadAck } }
    var count: Int { state.withLockedValue { $0.events.count } }
    var all: [String] { state.withLockedValue { $0.events.sorted() } }
    var anyHadAck: Bool { state.withLockedValue { $0.acks } }
}
