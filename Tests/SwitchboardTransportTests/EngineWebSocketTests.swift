import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardTransport
import Testing

@Suite("Engine.IO over WebSocket and the upgrade", .timeLimit(.minutes(1)))
struct EngineWebSocketTests {
    @Test func handshakeIsTheFirstFrameWithNoUpgrades() async throws {
        let server = try await TestServer.start(configuration: TestServer.conformance)
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        let open = try await client.readText()
        #expect(open.hasPrefix("0{\"sid\":\""))
        #expect(open.hasSuffix("\",\"upgrades\":[],\"pingInterval\":300,\"pingTimeout\":200,\"maxPayload\":1000000}"))
        await client.close()
    }

    @Test func invalidEIOOrTransportRefusesTheUpgrade() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        for target in [
            "/engine.io/?transport=websocket", "/engine.io/?EIO=abc&transport=websocket",
            "/engine.io/?EIO=4", "/engine.io/?EIO=4&transport=abc", "/engine.io/?EIO=4&transport=websocket&sid=unknown",
        ] {
            let client = try await server.client()
            try await client.send(Request.webSocket(target))
            let response = try await client.readResponse()
            #expect(response.status == 400, "\(target)")
            await client.close()
        }
    }

    @Test func textAndBinaryMessagesAreEchoed() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        try await client.send(WSFrame.text("4hello"))
        let echo = try await client.readFrame()
        #expect(echo.opcode == 1)
        #expect(echo.payload == Array("4hello".utf8))
        try await client.send(WSFrame.masked(opcode: 2, payload: [1, 2, 3, 4]))
        let binary = try await client.readFrame()
        #expect(binary.opcode == 2)
        #expect(binary.payload == [1, 2, 3, 4])
        await client.close()
    }

    @Test func invalidPacketClosesTheConnection() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        try await client.send(WSFrame.text("abc"))
        try await client.waitUntilClosed()
        try await eventually("session gone") { server.engine.sessionCount == 0 }
    }

    @Test func closePacketClosesTheConnection() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        try await client.send(WSFrame.text("1"))
        try await client.waitUntilClosed()
    }

    @Test func pingsArriveEveryIntervalAndPongsKeepTheSession() async throws {
        let server = try await TestServer.start(configuration: TestServer.heartbeat)
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        for _ in 0..<3 {
            #expect(try await client.readText() == "2")
            try await client.send(WSFrame.text("3"))
        }
        #expect(!client.isClosed)
        await client.close()
    }

    @Test func missingPongClosesTheWebSocket() async throws {
        let server = try await TestServer.start(configuration: TestServer.conformance)
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        #expect(try await client.readText() == "2")
        try await client.waitUntilClosed(timeout: .seconds(2))
    }

    @Test func webSocketPingIsAnsweredWithPong() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        try await client.send(WSFrame.masked(opcode: 9, payload: [7, 7]))
        let pong = try await client.readFrame()
        #expect(pong.opcode == 0xA)
        #expect(pong.payload == [7, 7])
        await client.close()
    }

    @Test func frameAboveMaxPayloadClosesWith1009() async throws {
        let server = try await TestServer.start(configuration: EngineConfiguration(maxPayload: 16))
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        try await client.send(WSFrame.text("4" + String(repeating: "x", count: 40)))
        let close = try await client.readFrame()
        #expect(close.opcode == 8)
        #expect(close.payload == [0x03, 0xF1])
        try await client.waitUntilClosed()
    }

    @Test func upgradeFromPollingProbesAnswersPendingPollWithNoopAndEchoesAfterwards() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let socket = try await server.probedWebSocket(sid)
        let poll = try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)")
        #expect(poll.status == 200)
        #expect(poll.bodyText == "6")
        try await socket.send(WSFrame.text("5"))
        try await socket.send(WSFrame.text("4hello"))
        #expect(try await socket.readText() == "4hello")
        await socket.close()
    }

    @Test func pendingPollIsAnsweredWithNoopWhenTheProbeArrives() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let pending = try await server.pendingPoll(sid)
        let socket = try await server.probedWebSocket(sid)
        let poll = try await pending.readResponse()
        #expect(poll.bodyText == "6")
        await pending.close()
        await socket.close()
    }

    @Test func pollAfterUpgradeIsRefusedAndTheWebSocketKeepsWorking() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let socket = try await server.probedWebSocket(sid, upgrade: true)
        try await server.waitForTransport(sid, .websocket)
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)").status == 400)
        try await socket.send(WSFrame.text("4hello"))
        #expect(try await socket.readText() == "4hello")
        await socket.close()
    }

    @Test func secondWebSocketAfterUpgradeIsAcceptedThenClosed() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let socket = try await server.probedWebSocket(sid, upgrade: true)
        let second = try await server.client()
        try await second.openWebSocket("/engine.io/?EIO=4&transport=websocket&sid=\(sid)")
        try await second.waitUntilClosed()
        try await socket.send(WSFrame.text("4hello"))
        #expect(try await socket.readText() == "4hello")
        await socket.close()
    }

    @Test func messagesQueuedDuringTheProbeAreFlushedOnceInOrder() async throws {
        let delegate = RecordingDelegate()
        let server = try await TestServer.start(delegate: delegate)
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let connection = try #require(delegate.connections.first)
        let socket = try await server.probedWebSocket(sid)
        connection.send([OutboundEngineMessage(text: ByteBuffer(string: "a")), OutboundEngineMessage(text: ByteBuffer(string: "b"))])
        try await Task.sleep(for: .milliseconds(20))
        try await socket.send(WSFrame.text("5"))
        #expect(try await socket.readText() == "4a")
        #expect(try await socket.readText() == "4b")
        connection.send(OutboundEngineMessage(text: ByteBuffer(string: "c")))
        #expect(try await socket.readText() == "4c")
        #expect(connection.transport == .websocket)
        await socket.close()
    }
}

/// Records accepted connections, messages and close reasons; echoes nothing.
final class RecordingDelegate: EngineServerDelegate, EngineConnectionDelegate, Sendable {
    private let state = NIOLockedValueBox((connections: [any EngineConnection](), received: [EngineMessage](), closeReasons: [EngineCloseReason]()))

    var connections: [any EngineConnection] { state.withLockedValue { $0.connections } }
    var received: [EngineMessage] { state.withLockedValue { $0.received } }
    var closeReasons: [EngineCloseReason] { state.withLockedValue { $0.closeReasons } }

    func engineServer(didAccept connection: any EngineConnection) {
        connection.delegate = self
        state.withLockedValue { $0.connections.append(connection) }
    }

    func engineConnection(_ connection: any EngineConnection, didReceive message: EngineMessage) {
        state.withLockedValue { $0.received.append(message) }
    }

    func engineConnection(_ connection: any EngineConnection, didCloseWith reason: EngineCloseReason) {
        state.withLockedValue { $0.closeReasons.append(reason) }
    }
}

@Suite("Engine.IO WebSocket framing", .timeLimit(.minutes(1)))
struct EngineWebSocketFramingTests {
    func openSession(_ server: TestServer) async throws -> RawClient {
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        return client
    }

    @Test func fragmentedMessageIsReassembledWithControlFramesBetween() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await openSession(server)
        try await client.send(WSFrame.masked(opcode: 1, payload: Array("4hel".utf8), fin: false))
        try await client.send(WSFrame.masked(opcode: 9, payload: []))
        try await client.send(WSFrame.masked(opcode: 0, payload: Array("lo".utf8), fin: true))
        #expect(try await client.readFrame().opcode == 0xA)
        #expect(try await client.readText() == "4hello")
        await client.close()
    }

    @Test func closeFrameIsAnsweredWithTheSameCodeThenTheConnectionCloses() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await openSession(server)
        try await client.send(WSFrame.masked(opcode: 8, payload: [0x03, 0xE9]))
        let close = try await client.readFrame()
        #expect(close.opcode == 8)
        #expect(close.payload == [0x03, 0xE9])
        try await client.waitUntilClosed()
        try await eventually("session gone") { server.engine.sessionCount == 0 }
    }

    @Test func unmaskedClientFrameFailsTheConnectionWith1002() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await openSession(server)
        try await client.send([0x81, 0x06] + Array("4hello".utf8))
        let close = try await client.readFrame()
        #expect(close.opcode == 8)
        #expect(close.payload == [0x03, 0xEA])
        try await client.waitUntilClosed()
    }

    @Test func invalidUTF8InATextMessageClosesTheSession() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await openSession(server)
        try await client.send(WSFrame.masked(opcode: 1, payload: [0x34, 0xC3, 0x28]))
        try await client.waitUntilClosed()
    }

    @Test func manyMessagesInOneReadKeepTheirOrder() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let client = try await openSession(server)
        try await client.send((0..<50).flatMap { WSFrame.text("4m\($0)") })
        for index in 0..<50 { #expect(try await client.readText() == "4m\(index)") }
        await client.close()
    }
}

@Suite("HTTP details", .timeLimit(.minutes(1)))
struct HTTPDetailTests {
    @Test func expectContinueGets100BeforeTheBody() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let client = try await server.client()
        try await client.send(
            "POST /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\n")
        let interim = try await client.readResponse()
        #expect(interim.status == 100)
        try await client.send("4hello")
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText == "ok")
        await client.close()
    }

    @Test func bodyGrowingPastMaxPayloadWithoutContentLengthGets413() async throws {
        let server = try await TestServer.start(configuration: EngineConfiguration(maxPayload: 10))
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let client = try await server.client()
        try await client.send(
            "POST /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "8\r\n4aaaaaaa\r\n8\r\nbbbbbbbb\r\n0\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 413)
        try await client.waitUntilClosed()
    }
}
