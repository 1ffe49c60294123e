import NIOCore
import SocketIO
import SwitchboardCluster
import SwitchboardJSON
import Testing

/// Three nodes on one redis-server, a client on each: broadcasts and their operators across nodes.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct AdapterBroadcastTests {
    @Test func aBroadcastReachesTheClientsOfEveryNode() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        var clients: [TestClient] = []
        for node in cluster.nodes { clients.append(try await TestClient.connect(node.url)) }
        cluster.nodes[1].io.emit("news", "hello", 42)
        for client in clients { try await client.wait(for: "news") }
        #expect(clients.allSatisfy { $0.events("news") == [["hello", 42]] })
        #expect(await cluster.nodes[0].io.mainNamespace.serverCount() == 3)
    }

    @Test func roomBroadcastsReachOnlyMembersWhereverTheyAre() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        let outsider = try await TestClient.connect(cluster.nodes[0].url)
        let member1 = try await TestClient.connect(cluster.nodes[1].url)
        let member2 = try await TestClient.connect(cluster.nodes[2].url)
        try await member1.join("room")
        try await member2.join("room")
        try await cluster.waitForSubscribers(cluster.roomChannel("room"), count: 2)
        #expect(cluster.nodes[0].adapter.subscribedRooms.isEmpty, "a node without members does not subscribe")

        let io = cluster.nodes[0].io
        io.to("room").emit("to-room")
        io.to("room").except(member2.id).emit("except-member2")
        io.emit("marker")
        for client in [outsider, member1, member2] { try await client.wait(for: "marker") }
        #expect(member1.events("to-room").count == 1)
        #expect(member2.events("to-room").count == 1)
        #expect(outsider.events("to-room").isEmpty)
        #expect(member1.events("except-member2").count == 1)
        #expect(member2.events("except-member2").isEmpty)
    }

    @Test func aBroadcastToASocketIDReachesThatSocketOnItsNode() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        let target = try await TestClient.connect(cluster.nodes[2].url)
        let other = try await TestClient.connect(cluster.nodes[1].url)
        cluster.nodes[0].io.to(target.id).emit("direct", "hi")
        cluster.nodes[0].io.emit("marker")
        try await target.wait(for: "direct")
        try await other.wait(for: "marker")
        #expect(other.events("direct").isEmpty)
    }

    @Test func aMemberOfSeveralTargetRoomsGetsTheBroadcastOnce() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        let member = try await TestClient.connect(cluster.nodes[1].url)
        try await member.join("a")
        try await member.join("b")
        try await cluster.waitForSubscribers(cluster.roomChannel("b"), count: 1)
        cluster.nodes[0].io.to("a").to("b").emit("once")
        cluster.nodes[0].io.emit("marker")
        try await member.wait(for: "marker")
        try await member.wait(for: "once")
        #expect(member.events("once").count == 1)
    }

    @Test func localBroadcastsStayOnTheirNode() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        let here = try await TestClient.connect(cluster.nodes[0].url)
        let there = try await TestClient.connect(cluster.nodes[1].url)
        cluster.nodes[0].io.local.emit("local-only")
        cluster.nodes[0].io.emit("marker")
        try await here.wait(for: "local-only")
        try await there.wait(for: "marker")
        #expect(there.events("local-only").isEmpty)
    }

    @Test func volatileAndUncompressedBroadcastsReachWritableClientsOnOtherNodes() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        let there = try await TestClient.connect(cluster.nodes[2].url)
        cluster.nodes[0].io.volatile.compress(false).emit("quick", 1)
        try await there.wait(for: "quick")
        #expect(there.events("quick") == [[1]])
    }

    @Test func binaryAttachmentsCrossNodesAsTheSenderEncodedThem() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        let there = try await TestClient.connect(cluster.nodes[1].url)
        cluster.nodes[0].io.emit("file", .binary(ByteBuffer(bytes: [1, 2, 3])), "name")
        try await there.wait(for: "file")
        #expect(there.events("file") == [[.binary(ByteBuffer(bytes: [1, 2, 3])), "name"]])
    }

    @Test func theLastLocalMemberLeavingUnsubscribesTheRoom() async throws {
        let cluster = try await TestCluster.start()
        defer { Task { await cluster.stop() } }
        let first = try await TestClient.connect(cluster.nodes[1].url)
        let second = try await TestClient.connect(cluster.nodes[1].url)
        try await first.join("room")
        try await second.join("room")
        try await cluster.waitForSubscribers(cluster.roomChannel("room"), count: 1)
        _ = try await first.socket.emitWithAck("leave", "room")
        #expect(cluster.nodes[1].adapter.subscribedRooms == ["room"])
        second.close()
        try await cluster.waitForSubscribers(cluster.roomChannel("room"), count: 0)
        #expect(cluster.nodes[1].adapter.subscribedRooms.isEmpty)
    }
}
