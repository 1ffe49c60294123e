import EngineIO
import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct BroadcastTests {
    let harness = Harness()

    /// Connects `count` clients to `/`; returns connections and sockets in order.
    func connectClients(_ count: Int, loops: [EmbeddedEventLoop]? = nil) throws -> [(FakeEngineConnection, SocketIOSocket)] {
        try (0..<count).map { index in
            let loop = loops.map { $0[index % $0.count] }
            let (connection, sid) = harness.connectMain(id: "c\(index)", on: loop)
            return (connection, try #require(harness.server.mainNamespace.socket(id: sid)))
        }
    }

    @Test func serverEmitReachesEverySocketOfTheMainNamespaceOnly() throws {
        let clients = try connectClients(2)
        let custom = harness.open(id: "custom")
        custom.receive("0/custom,")
        _ = custom.takeSent()
        harness.server.emit("hello", 1)
        for (connection, _) in clients { #expect(connection.takeSent() == [.text(#"2["hello",1]"#)]) }
        #expect(custom.takeSent().isEmpty)
    }

    @Test func socketBroadcastExcludesTheSender() throws {
        let clients = try connectClients(3)
        clients[0].1.broadcast.emit("news")
        #expect(clients[0].0.takeSent().isEmpty)
        #expect(clients[1].0.takeSent() == [.text(#"2["news"]"#)])
        #expect(clients[2].0.takeSent() == [.text(#"2["news"]"#)])
    }

    @Test func socketToRoomReachesOtherMembersOnly() throws {
        let clients = try connectClients(3)
        clients[0].1.join("r")
        clients[1].1.join("r")
        clients[0].1.to("r").emit("m", "x")
        #expect(clients[0].0.takeSent().isEmpty)
        #expect(clients[1].0.takeSent() == [.text(#"2["m","x"]"#)])
        #expect(clients[2].0.takeSent().isEmpty)
    }

    @Test func chainedRoomsAreAUnionAndExceptRemovesMembers() throws {
        let clients = try connectClients(4)
        clients[0].1.join("a")
        clients[1].1.join(["a", "b"])
        clients[2].1.join("b")
        clients[2].1.join("muted")
        harness.server.to("a").to("b").except("muted").emit("e")
        #expect(clients[0].0.takeSent().count == 1)
        #expect(clients[1].0.takeSent() == [.text(#"2["e"]"#)])  // once, although in both rooms
        #expect(clients[2].0.takeSent().isEmpty)
        #expect(clients[3].0.takeSent().isEmpty)
    }

    @Test func exceptAloneReachesEveryoneElse() throws {
        let clients = try connectClients(2)
        clients[0].1.join("x")
        harness.server.except("x").emit("e")
        #expect(clients[0].0.takeSent().isEmpty)
        #expect(clients[1].0.takeSent().count == 1)
    }

    @Test func socketIDIsARoom() throws {
        let clients = try connectClients(2)
        harness.server.to(clients[1].1.id).emit("private")
        #expect(clients[0].0.takeSent().isEmpty)
        #expect(clients[1].0.takeSent() == [.text(#"2["private"]"#)])
    }

    @Test func binaryBroadcastSendsAttachmentsToEveryRecipient() throws {
        let clients = try connectClients(2)
        harness.server.emit("blob", .binary(ByteBuffer(bytes: [1, 2])))
        for (connection, _) in clients {
            #expect(connection.takeSent() == [.text(#"51-["blob",{"_placeholder":true,"num":0}]"#), .binary([1, 2])])
        }
    }

    @Test func broadcastIsEncodedOnceAndSharedByAllRecipients() throws {
        let clients = try connectClients(3)
        harness.server.emit("shared", "payload")
        let frames = clients.map { $0.0.rawSent[0].webSocketFrame }
        let addresses = frames.map { frame in frame.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        #expect(Set(addresses).count == 1)
    }

    @Test func broadcastReachesSocketsOnOtherEventLoops() throws {
        let other = EmbeddedEventLoop()
        let clients = try connectClients(4, loops: [harness.loop, other])
        harness.server.emit("everywhere")
        other.run()
        harness.loop.run()
        for (connection, _) in clients { #expect(connection.takeSent() == [.text(#"2["everywhere"]"#)]) }
    }

    @Test func disconnectedSocketsReceiveNothing() throws {
        let clients = try connectClients(2)
        clients[1].0.receive("1")
        harness.server.emit("e")
        #expect(clients[0].0.takeSent().count == 1)
        #expect(clients[1].0.takeSent().isEmpty)
    }

    @Test func socketsJoinLeaveAndDisconnectSocketsActOnTheSelection() throws {
        let clients = try connectClients(3)
        clients[0].1.join("a")
        clients[1].1.join("a")
        harness.server.to("a").socketsJoin("b")
        #expect(harness.server.to("b").socketIDs == [clients[0].1.id, clients[1].1.id])
        harness.server.to("b").except(clients[0].1.id).socketsLeave("b")
        #expect(harness.server.to("b").socketIDs == [clients[0].1.id])
        harness.server.to("b").disconnectSockets()
        #expect(clients[0].0.takeSent() == [.text("1")])
        #expect(!clients[0].1.isConnected)
        #expect(clients[1].1.isConnected)
    }

    @Test func namespaceListsItsLocalSockets() throws {
        let clients = try connectClients(2)
        #expect(Set(harness.server.mainNamespace.sockets.map(\.id)) == Set(clients.map(\.1.id)))
        #expect(harness.server.mainNamespace.all.sockets.count == 2)
    }
}

@Suite struct InMemoryAdapterTests {
    let adapter: InMemoryAdapter

    init() throws {
        adapter = try #require(SocketIOServer().of("/rooms").adapter as? InMemoryAdapter)
    }

    @Test func tracksRoomsPerSocketAndSocketsPerRoom() {
        adapter.addAll("s1", rooms: ["s1", "a", "b"])
        adapter.addAll("s2", rooms: ["s2", "a"])
        #expect(adapter.socketRooms("s1") == ["s1", "a", "b"])
        #expect(adapter.sockets(in: ["a"]) == ["s1", "s2"])
        #expect(adapter.sockets(in: ["b", "s2"]) == ["s1", "s2"])
        #expect(adapter.sockets(in: []) == ["s1", "s2"])
        #expect(adapter.socketRooms("unknown") == nil)
    }

    @Test func delRemovesOneRoomAndForgetsEmptyRooms() {
        adapter.addAll("s1", rooms: ["a", "b"])
        adapter.del("s1", room: "a")
        #expect(adapter.socketRooms("s1") == ["b"])
        #expect(adapter.allRooms == ["b"])
    }

    @Test func delAllRemovesTheSocketEverywhere() {
        adapter.addAll("s1", rooms: ["a", "b"])
        adapter.addAll("s2", rooms: ["a"])
        adapter.delAll("s1")
        #expect(adapter.socketRooms("s1") == nil)
        #expect(adapter.allRooms == ["a"])
    }

    @Test func selectionAppliesRoomsAndExceptions() {
        adapter.addAll("s1", rooms: ["s1", "a"])
        adapter.addAll("s2", rooms: ["s2", "a", "x"])
        adapter.addAll("s3", rooms: ["s3"])
        #expect(Set(adapter.sockets(matching: SocketIOBroadcastOptions(rooms: ["a"], except: ["x"]))) == ["s1"])
        #expect(Set(adapter.sockets(matching: SocketIOBroadcastOptions(except: ["s3"]))) == ["s1", "s2"])
        #expect(adapter.sockets(matching: SocketIOBroadcastOptions(rooms: ["nobody"])).isEmpty)
    }
}

@Suite struct AsyncAckTests {
    /// Runs the loop until `condition` holds (bounded, so a bug fails instead of hanging).
    func waitUntil(_ loop: NIOAsyncTestingEventLoop, _ condition: () -> Bool) async throws {
        for _ in 0..<10_000 {
            if condition() { return }
            await loop.run()
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("condition never held")
    }

    /// A socket connected to `/` on a thread-safe testing loop, with the CONNECT reply already taken.
    func connectedSocket(on loop: NIOAsyncTestingEventLoop) async throws -> (FakeEngineConnection, SocketIOSocket) {
        let server = SocketIOServer()
        let connection = FakeEngineConnection(eventLoop: loop)
        try await loop.submit { server.engineServer(didAccept: connection); connection.receive("0") }.get()
        _ = connection.takeSent()
        return (connection, try #require(server.mainNamespace.sockets.first))
    }

    @Test(.timeLimit(.minutes(1)))
    func emitWithAckReturnsTheClientArguments() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let (connection, socket) = try await connectedSocket(on: loop)
        async let answer = socket.timeout(.seconds(10)).emitWithAck("ping", 1)
        try await waitUntil(loop) { !connection.rawSent.isEmpty }
        #expect(connection.takeSent() == [.text(#"20["ping",1]"#)])
        try await loop.submit { connection.receive(#"30["pong"]"#) }.get()
        #expect(try await answer == ["pong"])
        try await loop.shutdownGracefully()
    }

    @Test(.timeLimit(.minutes(1)))
    func emitWithAckThrowsOnTimeout() async throws {
        let loop = NIOAsyncTestingEventLoop()
        let (connection, socket) = try await connectedSocket(on: loop)
        let answer = Task { () async -> Result<[JSONValue], SocketIOAckError> in
            do throws(SocketIOAckError) { return .success(try await socket.timeout(.milliseconds(100)).emitWithAck("ping")) }
            catch { return .failure(error) }
        }
        try await waitUntil(loop) { !connection.rawSent.isEmpty }
        await loop.advanceTime(by: .milliseconds(100))
        #expect(await answer.value == .failure(SocketIOAckError(code: .timeout)))
        try await loop.shutdownGracefully()
    }
}
