import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

struct Refused: Error, Hashable { var reason: String }

@Suite struct PacketMiddlewareTests {
    let harness = Harness()

    @Test func refusedPacketIsNotDispatchedAndTheErrorReachesErrorHandlers() throws {
        let (connection, socket) = try harness.connectSocket()
        let handled = Recorder<String>()
        let errors = Recorder<String>()
        socket.use { packet, next in next(packet.event == "secret" ? Refused(reason: "no") : nil) }
        socket.onError { _, error in errors.record("\(error)") }
        socket.on("secret") { _, _, _ in handled.record("secret") }
        socket.on("open") { _, _, _ in handled.record("open") }
        socket.onAny { _, event, _, _ in handled.record("any:" + event) }
        connection.receive(#"2["secret"]"#)
        connection.receive(#"2["open"]"#)
        #expect(handled.values == ["any:open", "open"])
        #expect(errors.values == [#"Refused(reason: "no")"#])
    }

    @Test func middlewaresRunInOrderWithTheEventAndArguments() throws {
        let (connection, socket) = try harness.connectSocket()
        let seen = Recorder<String>()
        socket.use { packet, next in seen.record("1:\(packet.event):\(json(packet.arguments)):\(packet.ackID ?? -1)"); next(nil) }
        socket.use { packet, next in seen.record("2:\(packet.event)"); next(nil) }
        socket.on("e") { _, _, _ in seen.record("handler") }
        connection.receive(#"27["e",1]"#)
        #expect(seen.values == ["1:e:[1]:7", "2:e", "handler"])
    }

    @Test func middlewareMayDecideLater() throws {
        let (connection, socket) = try harness.connectSocket()
        let handled = Recorder<String>()
        socket.use { _, next in _ = socket.eventLoop.scheduleTask(in: .milliseconds(10)) { next(nil) } }
        socket.on("e") { _, _, _ in handled.record("e") }
        connection.receive(#"2["e"]"#)
        #expect(handled.values.isEmpty)
        harness.loop.advanceTime(by: .milliseconds(10))
        #expect(handled.values == ["e"])
    }

    @Test func errorHandlerMayDisconnectTheSocket() throws {
        let (connection, socket) = try harness.connectSocket()
        socket.use { _, next in next(Refused(reason: "x")) }
        socket.onError { socket, _ in socket.disconnect() }
        connection.receive(#"2["e"]"#)
        #expect(connection.takeSent() == [.text("1")])
        #expect(!socket.isConnected)
    }
}

@Suite struct CatchAllTests {
    let harness = Harness()

    @Test func prependAnyRunsFirstAndOffAnyRemovesOneOrAll() throws {
        let (connection, socket) = try harness.connectSocket()
        let seen = Recorder<String>()
        let first = socket.onAny { _, event, _, _ in seen.record("a:" + event) }
        socket.onAny { _, event, _, _ in seen.record("b:" + event) }
        socket.prependAny { _, event, _, _ in seen.record("p:" + event) }
        connection.receive(#"2["x"]"#)
        #expect(seen.values == ["p:x", "a:x", "b:x"])
        socket.offAny(first)
        connection.receive(#"2["y"]"#)
        #expect(seen.values.suffix(2) == ["p:y", "b:y"])
        socket.offAny()
        connection.receive(#"2["z"]"#)
        #expect(seen.values.count == 5)
    }

    @Test func outgoingHandlersSeeEmitsAndBroadcasts() throws {
        let (_, socket) = try harness.connectSocket()
        let seen = Recorder<String>()
        socket.onAnyOutgoing { _, event, arguments in seen.record("a:\(event):\(json(arguments))") }
        socket.prependAnyOutgoing { _, event, _ in seen.record("p:" + event) }
        socket.emit("direct", 1)
        harness.server.emit("everyone", "x")
        #expect(seen.values == ["p:direct", "a:direct:[1]", "p:everyone", #"a:everyone:["x"]"#])
        socket.offAnyOutgoing()
        socket.emit("quiet")
        #expect(seen.values.count == 4)
    }

    @Test func offAnyOutgoingRemovesOneHandler() throws {
        let (_, socket) = try harness.connectSocket()
        let seen = Recorder<String>()
        let id = socket.onAnyOutgoing { _, event, _ in seen.record("a:" + event) }
        socket.onAnyOutgoing { _, event, _ in seen.record("b:" + event) }
        socket.offAnyOutgoing(id)
        socket.emit("e")
        #expect(seen.values == ["b:e"])
    }
}
