import EngineIO
import NIOConcurrencyHelpers
import NIOCore
@testable import SwitchboardTransport
import Testing

/// Echoes like ``EngineEchoDelegate``, records close reasons, and on the text message `flood` sends
/// `floodCount` messages of `floodSize` bytes, one per event-loop tick, noting whether the connection
/// ever stopped being writable.
final class FloodDelegate: EngineServerDelegate, EngineConnectionDelegate {
    let floodCount: Int
    let payload: ByteBuffer
    let closeReasons = NIOLockedValueBox<[EngineCloseReason]>([])
    let sawUnwritable = NIOLockedValueBox(false)
    let sent = NIOLockedValueBox(0)

    init(floodCount: Int, floodSize: Int) {
        self.floodCount = floodCount
        self.payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: floodSize)
    }

    func engineServer(didAccept connection: any EngineConnection) { connection.delegate = self }

    func engineConnection(_ connection: any EngineConnection, didReceive message: EngineMessage) {
        guard case .text(let text) = message else { return }
        if text.readableBytesView.elementsEqual("flood".utf8) {
            // One message shared by every send: the flood costs reference counts, not memory.
            pump(connection, message: OutboundEngineMessage(text: payload), remaining: floodCount)
        } else {
            connection.send(OutboundEngineMessage(text: text))
        }
    }

    private func pump(_ connection: any EngineConnection, message: OutboundEngineMessage, remaining: Int) {
        guard remaining > 0, closeReasons.withLockedValue({ $0.isEmpty }) else { return }
        connection.send(message)
        sent.withLockedValue { $0 += 1 }
        if !connection.isWritable { sawUnwritable.withLockedValue { $0 = true } }
        connection.eventLoop.execute { self.pump(connection, message: message, remaining: remaining - 1) }
    }

    func engineConnection(_ connection: any EngineConnection, didCloseWith reason: EngineCloseReason) {
        closeReasons.withLockedValue { $0.append(reason) }
    }
}

@Suite("Server limits: caps, connect rate, payload size, upgrade timeout, slow consumers", .timeLimit(.minutes(1)))
struct LimitsTests {
    static func configuration(_ limits: ServerLimits, upgradeTimeout: Int64 = 10_000, maxPayload: Int = 1_000_000)
        -> EngineConfiguration
    {
        EngineConfiguration(
            pingInterval: 10_000, pingTimeout: 10_000, maxPayload: maxPayload, upgradeTimeout: upgradeTimeout,
            cors: .anyOriginWithCredentials, limits: limits)
    }

    /// A server with no caps but a 64 KiB outbound soft limit and the given hard limit, over `delegate`.
    static func startServer(_ delegate: FloodDelegate, outboundHardLimit: Int) async throws -> TestServer {
        let limits = ServerLimits(
            maxSessions: nil, maxSessionsPerAddress: nil, connectRate: nil, outboundSoftLimit: 64 * 1024,
            outboundHardLimit: outboundHardLimit)
        return try await TestServer.start(configuration: configuration(limits), delegate: delegate)
    }

    /// Checks that polling session `sid` still echoes.
    func expectEchoes(_ server: TestServer, sid: String) async throws {
        #expect(try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "4still here").bodyText == "ok")
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)").bodyText == "4still here")
    }

    /// Checks that a WebSocket session on `client` (open packet already read) still echoes.
    func expectEchoes(_ client: RawClient) async throws {
        try await client.send(WSFrame.text("4still here"))
        #expect(try await client.readText() == "4still here")
    }

    @Test func totalCapRefusesPollingHandshakesWith503AndKeepsOpenSessions() async throws {
        let server = try await TestServer.start(
            configuration: Self.configuration(ServerLimits(maxSessions: 2, maxSessionsPerAddress: nil, connectRate: nil)))
        defer { Task { await server.stop() } }
        let first = try await server.openPollingSession()
        _ = try await server.openPollingSession()
        let refused = try await server.get("/engine.io/?EIO=4&transport=polling", headers: ["Origin: https://a.example"])
        #expect(refused.status == 503)
        #expect(refused.header("Content-Type") == "application/json")
        #expect(refused.bodyText == #"{"code":6,"message":"Server at capacity"}"#)
        #expect(refused.header("Access-Control-Allow-Origin") == "https://a.example")
        #expect(server.engine.sessionCount == 2)
        try await expectEchoes(server, sid: first)
        // A session that ends frees its slot.
        #expect(try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(first)", "1").status == 200)
        try await eventually("slot freed") { server.engine.sessionCount == 1 }
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling").status == 200)
    }

    @Test func perAddressCapRefusesTheWebSocketUpgradeWith503AndKeepsTheOpenOne() async throws {
        let server = try await TestServer.start(
            configuration: Self.configuration(ServerLimits(maxSessions: nil, maxSessionsPerAddress: 1, connectRate: nil)))
        defer { Task { await server.stop() } }
        let open = try await server.client()
        try await open.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await open.readText()
        let refused = try await server.client()
        try await refused.send(Request.webSocket("/engine.io/?EIO=4&transport=websocket"))
        let response = try await refused.readResponse()
        #expect(response.status == 503)
        #expect(response.bodyText == #"{"code":6,"message":"Too many sessions from this address"}"#)
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling").status == 503)
        try await expectEchoes(open)
        #expect(server.engine.sessionCount == 1)
        await open.close()
        try await eventually("slot freed") { server.engine.sessionCount == 0 }
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling").status == 200)
        await refused.close()
    }

    @Test func connectRateRefusesWith429OnBothTransportsAndKeepsOpenSessions() async throws {
        let server = try await TestServer.start(
            configuration: Self.configuration(
                ServerLimits(maxSessions: nil, maxSessionsPerAddress: nil, connectRate: .init(burst: 2, perSecond: 0.001))))
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let socket = try await server.client()
        try await socket.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await socket.readText()
        let polling = try await server.get("/engine.io/?EIO=4&transport=polling")
        #expect(polling.status == 429)
        #expect(polling.bodyText == #"{"code":7,"message":"Too many handshakes"}"#)
        let refused = try await server.client()
        try await refused.send(Request.webSocket("/engine.io/?EIO=4&transport=websocket"))
        #expect(try await refused.readResponse().status == 429)
        await refused.close()
        // Requests of open sessions (polls, posts, the upgrade of a polling session) take no token.
        try await expectEchoes(server, sid: sid)
        try await expectEchoes(socket)
        let upgrade = try await server.probedWebSocket(sid, upgrade: true)
        try await server.waitForTransport(sid, .websocket)
        try await expectEchoes(upgrade)
        await upgrade.close()
        await socket.close()
    }

    @Test func maxHttpBufferSizeIsEnforcedOnPollingAndWebSocketWithoutHarmingOthers() async throws {
        var configuration = Self.configuration(.unlimited)
        configuration.maxHttpBufferSize = 64
        let server = try await TestServer.start(configuration: configuration)
        defer { Task { await server.stop() } }
        let bystander = try await server.openPollingSession()
        let sid = try await server.openPollingSession()
        let big = "4" + String(repeating: "x", count: 64)
        #expect(try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", big).status == 413)
        #expect(try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", String(big.prefix(64))).status == 200)
        let socket = try await server.client()
        try await socket.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await socket.readText()
        try await socket.send(WSFrame.text(big))
        let close = try await socket.readFrame()
        #expect(close.opcode == 8)
        #expect(close.payload == [0x03, 0xF1])  // 1009, message too big
        try await socket.waitUntilClosed()
        try await expectEchoes(server, sid: bystander)
    }

    @Test func upgradeTimeoutClosesAStalledProbeAndTheSessionGoesOnPolling() async throws {
        let server = try await TestServer.start(configuration: Self.configuration(.unlimited, upgradeTimeout: 1_000))
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let probe = try await server.probedWebSocket(sid)  // never sends `5`
        try await probe.waitUntilClosed()
        #expect(server.engine.session(sid)?.transport == .polling)
        try await expectEchoes(server, sid: sid)
    }

    @Test func slowWebSocketReaderBecomesUnwritableThenIsDisconnectedAndOthersKeepWorking() async throws {
        let delegate = FloodDelegate(floodCount: 4_000, floodSize: 64 * 1024)
        let server = try await Self.startServer(delegate, outboundHardLimit: 1 << 20)
        defer { Task { await server.stop() } }
        let bystander = try await server.client()
        try await bystander.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await bystander.readText()
        let slow = try await server.client()
        try await slow.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await slow.readText()
        try await slow.channel.setOption(.autoRead, value: false)
        try await slow.send(WSFrame.text("4flood"))
        try await eventually(timeout: .seconds(20), "slow consumer disconnected") {
            delegate.closeReasons.withLockedValue { $0 } == [.slowConsumer]
        }
        #expect(delegate.sawUnwritable.withLockedValue { $0 })
        // Far fewer than the 4 000 messages (250 MiB) were taken on: memory stayed bounded.
        #expect(delegate.sent.withLockedValue { $0 } < 4_000)
        #expect(server.engine.sessionCount == 1)
        try await expectEchoes(bystander)
        await slow.close()
        await bystander.close()
    }

    @Test func fastWebSocketReaderOfALargeStreamIsNotDisconnected() async throws {
        let delegate = FloodDelegate(floodCount: 64, floodSize: 32 * 1024)
        let server = try await Self.startServer(delegate, outboundHardLimit: 256 * 1024)
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        try await client.send(WSFrame.text("4flood"))
        for _ in 0..<64 {
            let frame = try await client.readFrame(timeout: .seconds(10))
            #expect(frame.payload.count == 32 * 1024 + 1)
        }
        #expect(delegate.closeReasons.withLockedValue { $0 }.isEmpty)
        try await expectEchoes(client)
        await client.close()
    }

    @Test func pollingClientThatNeverPollsIsDisconnectedAsSlowConsumer() async throws {
        let delegate = FloodDelegate(floodCount: 1_000, floodSize: 16 * 1024)
        let server = try await Self.startServer(delegate, outboundHardLimit: 256 * 1024)
        defer { Task { await server.stop() } }
        let bystander = try await server.openPollingSession()
        let sid = try await server.openPollingSession()
        #expect(try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "4flood").status == 200)
        try await eventually("slow consumer disconnected") {
            delegate.closeReasons.withLockedValue { $0 } == [.slowConsumer]
        }
        #expect(delegate.sawUnwritable.withLockedValue { $0 })
        // Each message counts 16 KiB + 1 byte: the 16th crossed the 256 KiB hard limit.
        #expect(delegate.sent.withLockedValue { $0 } == 16)
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)").status == 400)
        try await expectEchoes(server, sid: bystander)
    }
}
