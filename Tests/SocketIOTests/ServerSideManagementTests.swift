import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct ServerSideManagementTests {
    let harness = Harness()

    @Test(.timeLimit(.minutes(1)))
    func fetchSocketsReturnsHandlesWithState() async throws {
        let (a, sa) = try harness.connectSocket(id: "a")
        let (_, sb) = try harness.connectSocket(id: "b")
        sa.join("r")
        sa.data = ["name": "ada"]
        let fetched = await harness.server.mainNamespace.to("r").fetchSockets()
        #expect(fetched.map(\.id) == [sa.id])
        let handle = try #require(fetched.first)
        #expect(handle.rooms == [sa.id, "r"])
        #expect(handle.data == ["name": "ada"])
        #expect(handle.namespace == "/")
        handle.emit("hello", 1)
        #expect(a.takeSent() == [.text(#"2["hello",1]"#)])
        handle.join("extra")
        #expect(sa.rooms.contains("extra"))
        handle.leave("r")
        #expect(!sa.rooms.contains("r"))
        #expect(await harness.server.mainNamespace.fetchSockets().count == 2)
        handle.disconnect()
        #expect(a.takeSent() == [.text("1")])
        #expect(!sa.isConnected)
        #expect(sb.isConnected)
    }

    @Test func socketsJoinLeaveAndDisconnectGoThroughTheAdapter() throws {
        let (_, sa) = try harness.connectSocket(id: "a")
        let (b, sb) = try harness.connectSocket(id: "b")
        sb.join("r")
        harness.server.mainNamespace.except("r").socketsJoin("others")
        #expect(sa.rooms.contains("others"))
        #expect(!sb.rooms.contains("others"))
        harness.server.mainNamespace.socketsLeave("others")
        #expect(!sa.rooms.contains("others"))
        harness.server.mainNamespace.to("r").disconnectSockets()
        #expect(b.takeSent() == [.text("1")])
        #expect(sa.isConnected)
        #expect(!sb.isConnected)
    }

    @Test(.timeLimit(.minutes(1)))
    func serverSideEmitReachesNoOtherServerInMemory() async throws {
        let namespace = harness.server.mainNamespace
        let received = Recorder<String>()
        namespace.onServerSideEvent { event, _, _ in received.record(event) }
        let (connection, _) = try harness.connectSocket()
        namespace.serverSideEmit("sync", 1)
        #expect(received.values.isEmpty)
        #expect(connection.takeSent().isEmpty)
        #expect(await namespace.serverSideEmitWithAck("sync", arguments: []) == [])
        #expect(await namespace.serverCount() == 1)
    }

    @Test func adapterContextHandsRemoteServerEventsToHandlers() throws {
        let namespace = harness.server.mainNamespace
        let received = Recorder<String>()
        namespace.onServerSideEvent { event, arguments, ack in
            received.record("\(event):\(json(arguments))")
            ack?(["done"])
        }
        let adapter = try #require(namespace.adapter as? InMemoryAdapter)
        let answers = Recorder<[JSONValue]>()
        adapter.context.receiveServerSideEvent("sync", arguments: [1]) { answers.record($0) }
        #expect(received.values == ["sync:[1]"])
        #expect(answers.values == [["done"]])
    }
}
