import EngineIO
import NIOCore
import NIOEmbedded
@testable import SocketIO
import SwitchboardJSON
import Testing

/// Broadcasts to rooms large enough for the adapter to keep their recipients between broadcasts.
@Suite struct LargeRoomBroadcastTests {
    let harness = Harness()
    static let size = 20

    func connectClients(_ count: Int, from first: Int = 0, loops: [EmbeddedEventLoop]? = nil) throws
        -> [(FakeEngineConnection, SocketIOSocket)]
    {
        try (first..<(first + count)).map { index in
            let loop = loops.map { $0[index % $0.count] }
            let (connection, sid) = harness.connectMain(id: "c\(index)", on: loop)
            return (connection, try #require(harness.server.mainNamespace.socket(id: sid)))
        }
    }

    func receivers(_ clients: [(FakeEngineConnection, SocketIOSocket)]) -> [Int] {
        clients.indices.filter { !clients[$0].0.takeSent().isEmpty }
    }

    @Test func theRoomIsCachedAndEveryMemberReceivesEachBroadcast() throws {
        let clients = try connectClients(Self.size)
        for (_, socket) in clients { socket.join("big") }
        harness.server.to("big").emit("m", 1)
        harness.server.to("big").emit("m", 2)
        let adapter = try #require(harness.server.mainNamespace.adapter as? InMemoryAdapter)
        #expect(adapter.cachedRoomCount == 1)
        for (connection, _) in clients {
            #expect(connection.takeSent() == [.text(#"2["m",1]"#), .text(#"2["m",2]"#)])
        }
    }

    @Test func aSocketThatJoinsAfterABroadcastReceivesTheNextOne() throws {
        var clients = try connectClients(Self.size)
        for (_, socket) in clients { socket.join("big") }
        harness.server.to("big").emit("m")
        _ = receivers(clients)
        clients += try connectClients(1, from: Self.size)
        clients[Self.size].1.join("big")
        harness.server.to("big").emit("m")
        #expect(receivers(clients) == Array(0...Self.size))
    }

    @Test func aSocketThatLeavesOrDisconnectsReceivesNoMore() throws {
        let clients = try connectClients(Self.size)
        for (_, socket) in clients { socket.join("big") }
        harness.server.to("big").emit("m")
        _ = receivers(clients)
        clients[3].1.leave("big")
        clients[5].0.close()
        _ = clients[5].0.takeSent()
        harness.server.to("big").emit("m")
        #expect(receivers(clients) == Array(0..<Self.size).filter { $0 != 3 && $0 != 5 })
    }

    @Test func aSocketConnectingWithoutJoiningIsNotAdded() throws {
        let clients = try connectClients(Self.size)
        for (_, socket) in clients { socket.join("big") }
        harness.server.to("big").emit("m")
        _ = receivers(clients)
        let late = try connectClients(1, from: Self.size)
        harness.server.to("big").emit("m")
        #expect(receivers(clients).count == Self.size)
        #expect(late[0].0.takeSent().isEmpty)
    }

    @Test func broadcastWithAckCountsTheRoomsMembers() throws {
        let clients = try connectClients(Self.size)
        for (_, socket) in clients { socket.join("big") }
        let counts = Recorder<Int>()
        harness.server.mainNamespace.adapter.broadcastWithAck(
            .event("m", arguments: [], namespace: "/"), options: SocketIOBroadcastOptions(rooms: ["big"]),
            clientCount: { counts.record($0) }, ack: { _ in })
        #expect(counts.values == [Self.size])
    }

    @Test func membersOnSeveralLoopsAllReceiveInOrder() throws {
        let loops = [EmbeddedEventLoop(), EmbeddedEventLoop()]
        let clients = try connectClients(Self.size, loops: loops)
        for (_, socket) in clients { socket.join("big") }
        for loop in loops { loop.run() }
        harness.server.to("big").emit("m", 1)
        harness.server.to("big").emit("m", 2)
        for loop in loops { loop.run() }
        for (connection, _) in clients {
            #expect(connection.takeSent() == [.text(#"2["m",1]"#), .text(#"2["m",2]"#)])
        }
    }
}
