import EngineIO
import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct SocketTests {
    let harness = Harness()

    func connectedSocket() throws -> (FakeEngineConnection, SocketIOSocket) {
        let (connection, sid) = harness.connectMain()
        return (connection, try #require(harness.server.mainNamespace.socket(id: sid)))
    }

    @Test func handshakeCarriesEngineRequestAndAuth() throws {
        let connection = harness.open()
        connection.receive(#"0{"token":"x"}"#)
        let socket = try #require(harness.server.mainNamespace.sockets.first)
        #expect(socket.handshake.auth == ["token": "x"])
        #expect(socket.handshake.query["EIO"] == "4")
        #expect(socket.handshake.header("host") == "localhost")
        #expect(socket.handshake.address == "127.0.0.1")
        #expect(socket.handshake.url == "/socket.io/?EIO=4&transport=websocket")
        #expect(socket.handshake.issuedAtMilliseconds == 1_700_000_000_000)
    }

    @Test func authDefaultsToEmptyObject() throws {
        let (_, socket) = try connectedSocket()
        #expect(socket.handshake.auth == .object(JSONObject()))
    }

    @Test func emitSendsEventWithArguments() throws {
        let (connection, socket) = try connectedSocket()
        socket.emit("news", "hello", 1.5, nil)
        #expect(connection.takeSent() == [.text(#"2["news","hello",1.5,null]"#)])
    }

    @Test func emitOnCustomNamespaceIncludesTheNamespace() throws {
        let connection = harness.open()
        let sockets = Recorder<SocketIOSocket>()
        harness.server.of("/chat").onConnection { sockets.record($0) }
        connection.receive("0/chat,")
        _ = connection.takeSent()
        sockets.last?.emit("x", arguments: [1])
        #expect(connection.takeSent() == [.text(#"2/chat,["x",1]"#)])
    }

    @Test func emitWithBinaryArgumentSendsAttachments() throws {
        let (connection, socket) = try connectedSocket()
        socket.emit("file", ["name": "a", "bytes": .binary(ByteBuffer(bytes: [0xFF]))])
        #expect(connection.takeSent() == [.text(#"51-["file",{"name":"a","bytes":{"_placeholder":true,"num":0}}]"#), .binary([0xFF])])
    }

    @Test func emitWithAckReceivesTheClientAcknowledgement() throws {
        let (connection, socket) = try connectedSocket()
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        socket.emit("question", "q1") { results.record($0) }
        socket.emit("question", "q2") { results.record($0) }
        #expect(connection.takeSent() == [.text(#"20["question","q1"]"#), .text(#"21["question","q2"]"#)])
        connection.receive(#"31["a2"]"#)
        connection.receive(#"30["a1",2]"#)
        #expect(results.values == [.success(["a2"]), .success(["a1", 2])])
    }

    @Test func reservedEventNamesAreNeverSent() throws {
        let (connection, socket) = try connectedSocket()
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        socket.emit("disconnect")
        socket.emit("connect") { results.record($0) }
        harness.server.emit("disconnecting")
        #expect(connection.takeSent().isEmpty)
        #expect(results.values == [.failure(SocketIOAckError(code: .reservedEventName))])
    }

    @Test func unknownAckIDIsIgnored() throws {
        let (connection, _) = try connectedSocket()
        connection.receive("399[1]")
        #expect(!connection.isClosed)
    }

    @Test func ackTimesOutAfterTheTimeout() throws {
        let (connection, socket) = try connectedSocket()
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        socket.timeout(.milliseconds(100)).emit("q") { results.record($0) }
        harness.loop.advanceTime(by: .milliseconds(99))
        #expect(results.values.isEmpty)
        harness.loop.advanceTime(by: .milliseconds(1))
        #expect(results.values == [.failure(SocketIOAckError(code: .timeout))])
        connection.receive("30[1]")
        #expect(results.values.count == 1)
    }

    @Test func ackInTimeCancelsTheTimeout() throws {
        let (connection, socket) = try connectedSocket()
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        socket.timeout(.seconds(1)).emit("q") { results.record($0) }
        connection.receive("30[1]")
        harness.loop.advanceTime(by: .seconds(2))
        #expect(results.values == [.success([1])])
    }

    @Test func pendingAcksFailWhenTheSocketDisconnects() throws {
        let (connection, socket) = try connectedSocket()
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        socket.emit("q") { results.record($0) }
        connection.finish(.transportClose)
        #expect(results.values == [.failure(SocketIOAckError(code: .disconnected))])
    }

    @Test func clientAckIsSentOnlyOnce() throws {
        let (connection, socket) = try connectedSocket()
        socket.on("twice") { _, _, ack in
            ack?(1)
            ack?(2)
        }
        connection.receive(#"25["twice"]"#)
        #expect(connection.takeSent() == [.text("35[1]")])
    }

    @Test func handlerGetsNoAckWhenTheClientAskedForNone() throws {
        let (connection, socket) = try connectedSocket()
        let hadAck = Recorder<Bool>()
        socket.on("e") { _, _, ack in hadAck.record(ack != nil) }
        connection.receive(#"2["e"]"#)
        connection.receive(#"23["e"]"#)
        #expect(hadAck.values == [false, true])
    }

    @Test func onAnySeesEveryEvent() throws {
        let (connection, socket) = try connectedSocket()
        let events = Recorder<String>()
        socket.onAny { _, event, args, _ in events.record("\(event)\(args.count)") }
        connection.receive(#"2["a",1]"#)
        connection.receive(#"2["b"]"#)
        #expect(events.values == ["a1", "b0"])
    }

    @Test func serverDisconnectSendsDisconnectPacketAndKeepsTheSession() throws {
        let (connection, socket) = try connectedSocket()
        let reasons = Recorder<SocketIODisconnectReason>()
        socket.onDisconnect { _, reason in reasons.record(reason) }
        socket.disconnect()
        #expect(connection.takeSent() == [.text("1")])
        #expect(reasons.values == [.serverNamespaceDisconnect])
        #expect(!connection.isClosed)
        #expect(!socket.isConnected)
        socket.emit("ignored")
        #expect(connection.takeSent().isEmpty)
    }

    @Test func serverDisconnectWithCloseClosesTheConnection() throws {
        let (connection, socket) = try connectedSocket()
        let reasons = Recorder<SocketIODisconnectReason>()
        socket.onDisconnect { _, reason in reasons.record(reason) }
        socket.disconnect(close: true)
        #expect(connection.takeSent() == [.text("1")])
        #expect(connection.isClosed)
        #expect(reasons.values == [.serverNamespaceDisconnect])
    }

    @Test func clientDisconnectReportsClientNamespaceDisconnect() throws {
        let (connection, socket) = try connectedSocket()
        let reasons = Recorder<SocketIODisconnectReason>()
        socket.onDisconnect { _, reason in reasons.record(reason) }
        connection.receive("1")
        #expect(reasons.values == [.clientNamespaceDisconnect])
    }

    @Test(arguments: [EngineCloseReason.transportClose, .transportError, .pingTimeout, .parseError, .serverShuttingDown, .forcedClose])
    func engineCloseReasonBecomesTheDisconnectReason(reason: EngineCloseReason) throws {
        let (connection, socket) = try connectedSocket()
        let reasons = Recorder<String>()
        socket.onDisconnect { _, why in reasons.record(why.rawValue) }
        connection.finish(reason)
        #expect(reasons.values == [reason.rawValue])
    }

    @Test func disconnectingRunsWhileStillInRooms() throws {
        let (connection, socket) = try connectedSocket()
        socket.join("room")
        let seen = Recorder<Set<String>>()
        socket.onDisconnecting { socket, _ in seen.record(socket.rooms) }
        socket.onDisconnect { socket, _ in seen.record(socket.rooms) }
        connection.finish(.transportClose)
        #expect(seen.values == [[socket.id, "room"], []])
    }

    @Test func disconnectedSocketLeavesEveryRoomAndTheNamespace() throws {
        let (connection, socket) = try connectedSocket()
        socket.join(["a", "b"])
        connection.finish(.transportClose)
        #expect(socket.rooms.isEmpty)
        #expect(harness.server.mainNamespace.sockets.isEmpty)
        #expect(harness.server.to("a").socketIDs.isEmpty)
    }

    @Test func joiningAfterDisconnectIsIgnored() throws {
        let (connection, socket) = try connectedSocket()
        connection.finish(.transportClose)
        socket.join("late")
        #expect(harness.server.to("late").socketIDs.isEmpty)
        #expect(socket.rooms.isEmpty)
    }

    @Test func dataIsStoredOnTheSocket() throws {
        let (_, socket) = try connectedSocket()
        socket.data = ["user": "ann"]
        #expect(socket.data["user"] == "ann")
    }

    @Test func typedContextIsStoredOnTheSocket() throws {
        struct User: Sendable, Equatable { var name: String }
        let (_, socket) = try connectedSocket()
        #expect(socket.context(as: User.self) == nil)
        socket.context = User(name: "ann")
        #expect(socket.context(as: User.self) == User(name: "ann"))
    }

    @Test func duplicateConnectToTheSameNamespaceIsIgnored() throws {
        let (connection, socket) = try connectedSocket()
        connection.receive("0")
        #expect(connection.takeSent().isEmpty)
        #expect(harness.server.mainNamespace.sockets.map(\.id) == [socket.id])
    }

    @Test func packetsForANamespaceNotJoinedAreIgnored() throws {
        let (connection, _) = try connectedSocket()
        _ = harness.server.of("/other")
        connection.receive(#"2/other,["message"]"#)
        #expect(connection.takeSent().isEmpty)
        #expect(!connection.isClosed)
    }

    @Test func serverCloseDisconnectsEverySocketWithServerShuttingDown() throws {
        let (connection, socket) = try connectedSocket()
        let reasons = Recorder<SocketIODisconnectReason>()
        socket.onDisconnect { _, reason in reasons.record(reason) }
        harness.server.close()
        #expect(reasons.values == [.serverShuttingDown])
        #expect(connection.isClosed)
        #expect(harness.server.connectionCount == 0)
    }

    @Test func connectionsAcceptedAfterCloseAreClosedAtOnce() {
        harness.server.close()
        let connection = harness.open()
        #expect(connection.isClosed)
        #expect(harness.server.connectionCount == 0)
    }

    @Test func namespaceNamesGetALeadingSlash() {
        #expect(harness.server.of("admin") === harness.server.of("/admin"))
        #expect(harness.server.of("admin").name == "/admin")
    }
}
