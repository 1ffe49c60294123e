import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct BroadcastFlagTests {
    let harness = Harness()

    @Test func volatileBroadcastSkipsConnectionsThatAreNotWritable() throws {
        let (slow, _) = try harness.connectSocket(id: "slow")
        let (fast, _) = try harness.connectSocket(id: "fast")
        slow.isWritable = false
        harness.server.mainNamespace.volatile.emit("tick", 1)
        harness.server.emit("important")
        #expect(slow.takeSent() == [.text(#"2["important"]"#)])
        #expect(fast.takeSent() == [.text(#"2["tick",1]"#), .text(#"2["important"]"#)])
    }

    @Test func volatileSocketEmitIsDroppedWhenNotWritable() throws {
        let (connection, socket) = try harness.connectSocket()
        connection.isWritable = false
        socket.volatile.emit("tick")
        socket.emit("kept")
        connection.isWritable = true
        socket.compress(false).volatile.emit("tock")
        #expect(connection.takeSent() == [.text(#"2["kept"]"#), .text(#"2["tock"]"#)])
    }

    @Test func operatorsChainInAnyOrder() throws {
        let (a, sa) = try harness.connectSocket(id: "a")
        let (b, sb) = try harness.connectSocket(id: "b")
        let (c, _) = try harness.connectSocket(id: "c")
        sa.join("r")
        sb.join(["r", "muted"])
        let first = harness.server.mainNamespace.compress(false).except("muted").volatile.to("r")
        let second = harness.server.mainNamespace.to("r").volatile.except("muted").compress(false)
        #expect(first.options == second.options)
        #expect(first.options.flags.compress == false)
        #expect(first.options.flags.volatile)
        first.emit("x")
        #expect(a.takeSent() == [.text(#"2["x"]"#)])
        #expect(b.takeSent().isEmpty)
        #expect(c.takeSent().isEmpty)
    }

    @Test func compressFalseMarksEveryMessageOfThePacketForSocketAndBroadcastEmits() throws {
        let (connection, socket) = try harness.connectSocket()
        socket.compress(false).emit("plain", .binary(ByteBuffer(bytes: [1, 2])))
        socket.emit("default")
        socket.timeout(.seconds(5)).compress(false).emit("asked") { _ in }
        harness.server.compress(false).emit("all")
        harness.server.to("nobody-else").compress(true).emit("none")
        harness.server.mainNamespace.emit("everyone")
        let sent = connection.rawSent
        #expect(sent.map(WireMessage.init) == [
            .text(#"51-["plain",{"_placeholder":true,"num":0}]"#), .binary([1, 2]), .text(#"2["default"]"#),
            .text(#"20["asked"]"#), .text(#"2["all"]"#), .text(#"2["everyone"]"#),
        ])
        #expect(sent.map(\.compress) == [false, false, true, false, false, true])
    }

    @Test func timeoutChainsWithSelectionBeforeAndAfter() throws {
        let (a, sa) = try harness.connectSocket(id: "a")
        let (b, _) = try harness.connectSocket(id: "b")
        sa.join("r")
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        harness.server.mainNamespace.timeout(.seconds(1)).to("r").emit("q") { results.record($0) }
        #expect(b.takeSent().isEmpty)
        #expect(a.takeSent() == [.text(#"20["q"]"#)])
        a.receive(#"30["yes"]"#)
        #expect(results.values == [.success(["yes"])])
    }

    @Test func timedBroadcastReportsAnswersAndMissingRecipientsOnTheLoopClock() throws {
        let (a, _) = try harness.connectSocket(id: "a")
        let (_, _) = try harness.connectSocket(id: "b")
        let results = Recorder<SocketIOBroadcastAcks>()
        harness.server.mainNamespace.timeout(.milliseconds(200))
            .emitCollectingAcks("q", arguments: []) { results.record($0) }
        a.receive(#"30["a",2]"#)
        harness.loop.advanceTime(by: .milliseconds(199))
        #expect(results.values.isEmpty)
        harness.loop.advanceTime(by: .milliseconds(1))
        let acks = try #require(results.last)
        #expect(acks.responses == [["a", 2]])
        #expect(acks.expected == 2)
        #expect(acks.missing == 1)
        #expect(acks.error == SocketIOAckError(code: .timeout))
    }

    @Test func timedBroadcastCompletesWithoutErrorWhenAllAnswer() throws {
        let (a, _) = try harness.connectSocket(id: "a")
        let results = Recorder<SocketIOBroadcastAcks>()
        harness.server.mainNamespace.timeout(.seconds(1)).emitCollectingAcks("q", arguments: [1]) { results.record($0) }
        a.receive(#"30[]"#)
        #expect(results.values == [SocketIOBroadcastAcks(responses: [[]], expected: 1, timedOut: false)])
        harness.loop.advanceTime(by: .seconds(2))
        #expect(results.values.count == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func emitWithAckOnABroadcastReturnsTheAnswers() async throws {
        let (a, _) = try harness.connectSocket(id: "a")
        let broadcast = harness.server.mainNamespace.timeout(.seconds(5))
        async let answers = broadcast.emitWithAck("q", arguments: [])
        for _ in 0..<1000 where a.rawSent.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        a.receive(#"30["ok"]"#)
        #expect(try await answers == ["ok"])
    }
}
