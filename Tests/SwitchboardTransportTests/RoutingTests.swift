import Foundation
import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket
import SwitchboardTransport
import Testing

/// Echoes WebSocket data frames through the pipeline's `WebSocketFrameEncoder` (test-only route handler).
final class FrameEchoHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: frame.opcode, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)))
                .whenComplete { _ in context.close(promise: nil) }
        default:
            break
        }
    }
}

@Suite("Routing: plain HTTP and WebSocket routes", .timeLimit(.minutes(1)))
struct RoutingTests {
    static func configure(_ router: inout HTTPRouter) {
        router.addRoute(.GET, "/healthz") { _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: ByteBuffer(string: "ok"))
        }
        router.addRoute(nil, prefix: "/static/") { request in
            HTTPResponse(status: .ok, body: ByteBuffer(string: "\(request.head.method.rawValue) \(request.path) \(request.body.readableBytes)"))
        }
        router.addRoute(.GET, "/fails") { _ in throw CancellationError() }
        router.addWebSocketRoute(
            WebSocketRoute(
                maxFrameSize: 64,
                shouldUpgrade: { head in head.uri.contains("refuse") ? nil : ["X-Extra": "yes"] },
                configurePipeline: { channel, _ in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FrameEchoHandler()) }
                }),
            at: "/echo")
    }

    @Test func exactRouteAnswers() async throws {
        let server = try await TestServer.start(configure: Self.configure)
        defer { Task { await server.stop() } }
        let response = try await server.get("/healthz")
        #expect(response.status == 200)
        #expect(response.bodyText == "ok")
        #expect(response.header("Content-Type") == "text/plain")
        #expect(try await server.get("/healthz/more").status == 404)
    }

    @Test func prefixRouteSeesMethodPathAndBody() async throws {
        let server = try await TestServer.start(configure: Self.configure)
        defer { Task { await server.stop() } }
        let response = try await server.post("/static/app.js?x=1", "abc")
        #expect(response.bodyText == "POST /static/app.js 3")
    }

    @Test func throwingRouteAnswers500() async throws {
        let server = try await TestServer.start(configure: Self.configure)
        defer { Task { await server.stop() } }
        #expect(try await server.get("/fails").status == 500)
    }

    @Test func keepAliveConnectionServesSeveralRequests() async throws {
        let server = try await TestServer.start(configure: Self.configure)
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.send(Request.get("/healthz") + Request.get("/nope") + Request.get("/healthz"))
        #expect(try await client.readResponse().status == 200)
        #expect(try await client.readResponse().status == 404)
        #expect(try await client.readResponse().status == 200)
        await client.close()
    }

    @Test func webSocketRouteUpgradesWithExtraHeadersAndEchoes() async throws {
        let server = try await TestServer.start(configure: Self.configure)
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.send(Request.webSocket("/echo"))
        let response = try await client.readResponse()
        #expect(response.status == 101)
        #expect(response.header("X-Extra") == "yes")
        #expect(response.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        try await client.send(WSFrame.text("hello"))
        let echo = try await client.readFrame()
        #expect(echo.opcode == 1)
        #expect(echo.payload == Array("hello".utf8))
        await client.close()
    }

    @Test func webSocketUpgradeWithAnUnsupportedVersionGets426NamingVersion13() async throws {
        let server = try await TestServer.start(configure: Self.configure)
        defer { Task { await server.stop() } }
        let request = Request.webSocket("/echo").replacingOccurrences(
            of: "Sec-WebSocket-Version: 13", with: "Sec-WebSocket-Version: 8")
        let response = try await server.request(Array(request.utf8))
        #expect(response.status == 426)
        #expect(response.header("Sec-WebSocket-Version") == "13")
    }

    @Test func webSocketRouteFrameLimitIsEnforced() async throws {
        let server = try await TestServer.start(configure: Self.configure)
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.send(Request.webSocket("/echo"))
        _ = try await client.readResponse()
        try await client.send(WSFrame.text(String(repeating: "x", count: 100)))
        try await client.waitUntilClosed()
    }

    @Test func refusedWebSocketUpgradeGetsAnErrorStatus() async throws {
        let server = try await TestServer.start(configure: Self.configure)
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.send(Request.webSocket("/echo?refuse"))
        #expect(try await client.readResponse().status == 400)
        await client.close()
        let other = try await server.client()
        try await other.send(Request.webSocket("/nowhere"))
        #expect(try await other.readResponse().status == 404)
        await other.close()
    }
}

@Suite("Server lifecycle", .timeLimit(.minutes(1)))
struct ServerLifecycleTests {
    @Test func stopClosesSessionsWithServerShuttingDownAndStopsAccepting() async throws {
        let delegate = RecordingDelegate()
        let server = try await TestServer.start(delegate: delegate)
        let ws = try await server.client()
        try await ws.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await ws.readText()
        let sid = try await server.openPollingSession()
        let pending = try await server.pendingPoll(sid)
        #expect(server.engine.sessionCount == 2)

        await server.stop()

        let poll = try await pending.readResponse()
        #expect(poll.bodyText == "1")
        try await ws.waitUntilClosed()
        #expect(server.engine.sessionCount == 0)
        try await eventually("both closes reported") { delegate.closeReasons == [.serverShuttingDown, .serverShuttingDown] }
        await #expect(throws: (any Error).self) { _ = try await RawClient.connect(port: server.port) }
    }

    @Test func connectionSendAndCloseWorkFromAnyThread() async throws {
        let delegate = RecordingDelegate()
        let server = try await TestServer.start(delegate: delegate)
        defer { Task { await server.stop() } }
        let ws = try await server.client()
        try await ws.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await ws.readText()
        let connection = try #require(delegate.connections.first)
        #expect(connection.transport == .websocket)
        #expect(connection.id.count == 20)
        connection.send([OutboundEngineMessage(text: ByteBuffer(string: "one")), OutboundEngineMessage(binary: ByteBuffer(bytes: [1]))])
        #expect(try await ws.readText() == "4one")
        #expect(try await ws.readFrame().payload == [1])
        try await ws.send(WSFrame.text("4hi"))
        try await ws.send(WSFrame.masked(opcode: 2, payload: [5, 6]))
        try await eventually("messages delivered") {
            delegate.received == [.text(ByteBuffer(string: "hi")), .binary(ByteBuffer(bytes: [5, 6]))]
        }
        connection.close()
        try await ws.waitUntilClosed()
        try await eventually("close reported") { delegate.closeReasons == [.forcedClose] }
    }
}

@Suite("Server as a Service", .timeLimit(.minutes(1)))
struct ServerServiceTests {
    @Test func runServesUntilCancelledThenStops() async throws {
        var router = HTTPRouter()
        router.addRoute(.GET, "/healthz") { _ in HTTPResponse(status: .ok, body: ByteBuffer(string: "ok")) }
        let server = HTTPServer(host: "127.0.0.1", port: 0, router: router, logger: Logger(label: "test"))
        let task = Task { try await server.run() }
        var port: Int?
        for _ in 0..<200 {
            port = server.localPort
            if port != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let boundPort = try #require(port)
        let client = try await RawClient.connect(port: boundPort)
        try await client.send(Request.get("/healthz"))
        #expect(try await client.readResponse().bodyText == "ok")
        task.cancel()
        try await task.value
        try await client.waitUntilClosed()  // the idle keep-alive connection is closed by the drain
        #expect(server.localPort == nil)
        await #expect(throws: (any Error).self) { _ = try await RawClient.connect(port: boundPort) }
    }
}
