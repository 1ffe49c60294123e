import EngineIO
import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

/// Every Socket.IO case of CONFORMANCE.md, on exact bytes.
@Suite struct ConformanceTests {
    let harness: Harness

    init() {
        harness = Harness(connectTimeout: .milliseconds(1000))
        ConformanceFixture.install(on: harness.server)
    }

    func sid(in connectReply: WireMessage?, prefix: String) throws -> String {
        let text = try #require(connectReply?.text)
        #expect(text.hasPrefix(prefix))
        let payload = try JSONParser().parse(String(text.dropFirst(prefix.count)))
        #expect(payload.objectValue?.keys == ["sid"])
        return try #require(payload["sid"]?.stringValue)
    }

    @Test func connectToMainNamespaceRepliesWithOnlySidThenAuth() throws {
        let connection = harness.open()
        connection.receive("0")
        let sent = connection.takeSent()
        #expect(sent.count == 2)
        let id = try sid(in: sent.first, prefix: "0")
        #expect(id.utf8.count == 20)
        #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(sent.last == .text(#"2["auth",{}]"#))
    }

    @Test func connectWithPayloadEmitsItAsAuth() throws {
        let connection = harness.open()
        connection.receive(#"0{"token":"123"}"#)
        let sent = connection.takeSent()
        _ = try sid(in: sent.first, prefix: "0")
        #expect(sent.last == .text(#"2["auth",{"token":"123"}]"#))
    }

    @Test func connectToCustomNamespace() throws {
        let connection = harness.open()
        connection.receive("0/custom,")
        let sent = connection.takeSent()
        _ = try sid(in: sent.first, prefix: "0/custom,")
        #expect(sent.last == .text(#"2/custom,["auth",{}]"#))
    }

    @Test func connectToCustomNamespaceWithPayload() throws {
        let connection = harness.open()
        connection.receive(#"0/custom,{"token":"abc"}"#)
        #expect(connection.takeSent().last == .text(#"2/custom,["auth",{"token":"abc"}]"#))
    }

    @Test func connectToUnknownNamespaceIsRefusedWithExactBytes() {
        let connection = harness.open()
        connection.receive("0/random")
        #expect(connection.takeSent() == [.text(#"4/random,{"message":"Invalid namespace"}"#)])
        #expect(!connection.isClosed)
    }

    @Test func socketIDsAreUniquePerConnection() throws {
        let (_, first) = harness.connectMain(id: "a")
        let (_, second) = harness.connectMain(id: "b")
        #expect(first != second)
        #expect(!first.isEmpty)
    }

    @Test func disconnectFromMainNamespaceSendsNothingAndKeepsTheSession() {
        let (connection, _) = harness.connectMain()
        connection.receive("1")
        #expect(connection.takeSent().isEmpty)
        #expect(!connection.isClosed)
        #expect(harness.server.mainNamespace.sockets.isEmpty)
    }

    @Test func disconnectFromCustomNamespaceLeavesMainConnected() {
        let (connection, _) = harness.connectMain()
        connection.receive("0/custom")
        _ = connection.takeSent()
        connection.receive("1/custom")
        connection.receive(#"2["message","message to main namespace"]"#)
        #expect(connection.takeSent() == [.text(#"2["message-back","message to main namespace"]"#)])
    }

    @Test func plainTextEventIsEchoed() {
        let (connection, _) = harness.connectMain()
        connection.receive(#"2["message",1,"2",{"3":[true]}]"#)
        #expect(connection.takeSent() == [.text(#"2["message-back",1,"2",{"3":[true]}]"#)])
    }

    @Test func eventWithAckIsAcknowledgedWithTheSameArguments() {
        let (connection, _) = harness.connectMain()
        connection.receive(#"2456["message-with-ack",1,"2",{"3":[false]}]"#)
        #expect(connection.takeSent() == [.text(#"3456[1,"2",{"3":[false]}]"#)])
    }

    @Test func binaryEventIsEchoedWithAttachmentsInOrder() {
        let (connection, _) = harness.connectMain()
        connection.receive(#"52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        connection.receive(binary: [1, 2, 3])
        connection.receive(binary: [4, 5, 6])
        #expect(connection.takeSent() == [
            .text(#"52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
            .binary([1, 2, 3]), .binary([4, 5, 6]),
        ])
    }

    @Test func binaryEventWithAckIsAcknowledgedAsBinaryAck() {
        let (connection, _) = harness.connectMain()
        connection.receive(#"52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        connection.receive(binary: [1, 2, 3])
        connection.receive(binary: [4, 5, 6])
        #expect(connection.takeSent() == [
            .text(#"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
            .binary([1, 2, 3]), .binary([4, 5, 6]),
        ])
    }

    @Test(arguments: ["abc", "2{}", #"2abc["message-with-ack",1,"2",{"3":[false]}]"#])
    func invalidPacketClosesTheConnection(packet: String) {
        let (connection, _) = harness.connectMain()
        let reasons = Recorder<SocketIODisconnectReason>()
        harness.server.mainNamespace.sockets.first?.onDisconnect { _, why in reasons.record(why) }
        connection.receive(packet)
        #expect(connection.isClosed)
        #expect(connection.closeReason == .forcedClose)
        #expect(reasons.values == [.parseError])
        #expect(connection.takeSent().isEmpty)
    }

    @Test func invalidHandshakeClosesTheConnection() {
        let connection = harness.open()
        connection.receive("abc")
        #expect(connection.isClosed)
    }

    @Test func connectionWithoutConnectIsClosedAfterTheConnectTimeout() {
        let connection = harness.open()
        harness.loop.advanceTime(by: .milliseconds(999))
        #expect(!connection.isClosed)
        harness.loop.advanceTime(by: .milliseconds(1))
        #expect(connection.isClosed)
        #expect(harness.server.connectionCount == 0)
    }

    @Test func connectCancelsTheConnectTimeout() {
        let (connection, _) = harness.connectMain()
        harness.loop.advanceTime(by: .seconds(5))
        #expect(!connection.isClosed)
    }

    @Test func refusedConnectDoesNotCancelTheConnectTimeout() {
        let connection = harness.open()
        connection.receive("0/random")
        harness.loop.advanceTime(by: .milliseconds(1000))
        #expect(connection.isClosed)
    }

    @Test func joinAndLeaveAckWithTheRoomName() {
        let (connection, sid) = harness.connectMain()
        connection.receive(#"21["join","lobby"]"#)
        #expect(connection.takeSent() == [.text(#"31["lobby"]"#)])
        #expect(harness.server.mainNamespace.socket(id: sid)?.rooms == [sid, "lobby"])
        connection.receive(#"22["leave","lobby"]"#)
        #expect(connection.takeSent() == [.text(#"32["lobby"]"#)])
        #expect(harness.server.mainNamespace.socket(id: sid)?.rooms == [sid])
    }

    @Test func broadcastToRoomReachesEveryMemberIncludingTheSenderThenAcks() {
        let (alice, _) = harness.connectMain(id: "alice")
        let (bob, _) = harness.connectMain(id: "bob")
        let (carol, _) = harness.connectMain(id: "carol")
        alice.receive(#"20["join","r"]"#)
        bob.receive(#"20["join","r"]"#)
        _ = alice.takeSent(); _ = bob.takeSent()
        alice.receive(#"27["broadcast-to-room","r",{"text":"hi"}]"#)
        #expect(alice.takeSent() == [.text(#"2["room-message","r",{"text":"hi"}]"#), .text("37[true]")])
        #expect(bob.takeSent() == [.text(#"2["room-message","r",{"text":"hi"}]"#)])
        #expect(carol.takeSent().isEmpty)
    }
}
