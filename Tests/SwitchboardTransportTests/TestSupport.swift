import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import SwitchboardTransport
import Testing

/// A raw TCP client that records every byte it receives and whether the peer closed.
final class RawClient: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = NIOLockedValueBox(ByteBuffer())
        let closed = NIOLockedValueBox(false)
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.withLockedValue { $0.writeBuffer(&buffer) }
        }
        func channelInactive(context: ChannelHandlerContext) {
            closed.withLockedValue { $0 = true }
        }
    }

    let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawClient {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, collector: collector)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    var receivedBytes: [UInt8] { collector.received.withLockedValue { Array($0.readableBytesView) } }
    var isClosed: Bool { collector.closed.withLockedValue { $0 } }

    /// Removes and returns the first `count` received bytes.
    func take(_ count: Int) -> [UInt8] {
        collector.received.withLockedValue { buffer in buffer.readBytes(length: min(count, buffer.readableBytes)) ?? [] }
    }

    /// Waits until `condition` holds for the received bytes (or the client closed, when `orClosed`).
    func wait(
        timeout: Duration = .seconds(5), orClosed: Bool = false, until condition: @Sendable ([UInt8]) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(receivedBytes) || (orClosed && isClosed) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("timed out; received \(String(decoding: receivedBytes, as: UTF8.self).debugDescription)")
        throw TimedOut()
    }

    func waitUntilClosed(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if isClosed { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TimedOut()
    }

    /// Reads one complete HTTP/1.1 response (with Content-Length) from the received bytes.
    func readResponse(timeout: Duration = .seconds(5)) async throws -> RawResponse {
        try await wait(timeout: timeout) { RawResponse.parse($0) != nil }
        let (response, length) = RawResponse.parse(receivedBytes)!
        _ = take(length)
        return response
    }

    func close() async {
        try? await channel.close()
    }

    struct TimedOut: Error {}
}

/// A parsed HTTP response.
struct RawResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var bodyText: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The response and the number of bytes it used, or nil when incomplete.
    static func parse(_ bytes: [UInt8]) -> (RawResponse, Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == separator })
        else { return nil }
        let headText = String(decoding: bytes[..<end], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let status = Int(statusLine.split(separator: " ")[1])!
        let headers = lines.map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1].drop(while: { $0 == " " })) : "")
        }
        let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        guard bytes.count >= end + 4 + length else { return nil }
        return (RawResponse(status: status, headers: headers, body: Array(bytes[(end + 4)..<(end + 4 + length)])), end + 4 + length)
    }
}

/// Request builders.
enum Request {
    static func get(_ target: String, headers: [String] = []) -> String {
        "GET \(target) HTTP/1.1\r\nHost: localhost\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    static func post(_ target: String, body: [UInt8], headers: [String] = []) -> [UInt8] {
        Array(
            ("POST \(target) HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count)\r\n"
                + headers.map { $0 + "\r\n" }.joined() + "\r\n").utf8) + body
    }

    static func webSocket(_ target: String) -> String {
        "GET \(target) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    }
}

/// Client-side WebSocket framing (masked) and parsing of server frames.
enum WSFrame {
    static func masked(opcode: UInt8, payload: [UInt8], fin: Bool = true) -> [UInt8] {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame.append(0x80 | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        frame += mask
        for (index, byte) in payload.enumerated() { frame.append(byte ^ mask[index % 4]) }
        return frame
    }

    static func text(_ text: String) -> [UInt8] { masked(opcode: 1, payload: Array(text.utf8)) }

    /// One unmasked server frame: (opcode, payload, bytes used), or nil when incomplete.
    static func parse(_ bytes: [UInt8]) -> (opcode: UInt8, payload: [UInt8], used: Int)? {
        guard bytes.count >= 2 else { return nil }
        let opcode = bytes[0] & 0x0F
        var length = Int(bytes[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            offset = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        guard bytes.count >= offset + length else { return nil }
        return (opcode, Array(bytes[offset..<offset + length]), offset + length)
    }
}

extension RawClient {
    /// Reads the next server WebSocket frame.
    func readFrame(timeout: Duration = .seconds(5)) async throws -> (opcode: UInt8, payload: [UInt8]) {
        try await wait(timeout: timeout) { WSFrame.parse($0) != nil }
        let frame = WSFrame.parse(receivedBytes)!
        _ = take(frame.used)
        return (frame.opcode, frame.payload)
    }

    /// Reads the next text frame as a string.
    func readText(timeout: Duration = .seconds(5)) async throws -> String {
        let frame = try await readFrame(timeout: timeout)
        #expect(frame.opcode == 1)
        return String(decoding: frame.payload, as: UTF8.self)
    }

    /// Completes a WebSocket opening handshake and checks the 101.
    func openWebSocket(_ target: String) async throws {
        try await send(Request.webSocket(target))
        try await wait { bytes in RawResponse.parse(bytes) != nil }
        let (response, used) = RawResponse.parse(receivedBytes)!
        _ = take(used)
        #expect(response.status == 101)
        #expect(response.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}

/// A running server with the conformance Engine.IO settings and the echo delegate at `/engine.io/`.
struct TestServer {
    let server: HTTPServer
    let port: Int
    let engine: EngineServer

    /// The conformance settings (heartbeat 300 ms / 200 ms), for heartbeat and handshake tests.
    static let conformance = EngineConfiguration(
        pingInterval: 300, pingTimeout: 200, maxPayload: 1_000_000, cors: .anyOriginWithCredentials)

    /// Pings every 300 ms with a 2 s pong window: for tests that pongs keep a session alive, which must not
    /// depend on the client answering within 200 ms while hundreds of tests run in parallel on two cores.
    static let heartbeat = EngineConfiguration(
        pingInterval: 300, pingTimeout: 2_000, maxPayload: 1_000_000, cors: .anyOriginWithCredentials)

    /// Like ``conformance`` but with a 10 s heartbeat, so that no ping interleaves on a busy machine.
    static let quiet = EngineConfiguration(
        pingInterval: 10_000, pingTimeout: 10_000, maxPayload: 1_000_000, cors: .anyOriginWithCredentials)

    static func start(
        configuration: EngineConfiguration = quiet,
        delegate: any EngineServerDelegate = EngineEchoDelegate(),
        configure: (inout HTTPRouter) -> Void = { _ in }
    ) async throws -> TestServer {
        let engine = EngineServer(configuration: configuration, delegate: delegate, logger: Logger(label: "test"))
        var router = HTTPRouter()
        router.mount(engine, at: "/engine.io/")
        configure(&router)
        let server = HTTPServer(host: "127.0.0.1", port: 0, router: router, logger: Logger(label: "test"))
        let port = try await server.start()
        return TestServer(server: server, port: port, engine: engine)
    }

    func client() async throws -> RawClient { try await RawClient.connect(port: port) }

    /// Opens a polling session and returns its sid.
    func openPollingSession() async throws -> String {
        let client = try await client()
        try await client.send(Request.get("/engine.io/?EIO=4&transport=polling"))
        let response = try await client.readResponse()
        await client.close()
        #expect(response.status == 200)
        let text = response.bodyText
        let start = text.range(of: "\"sid\":\"")!.upperBound
        return String(text[start...].prefix(while: { $0 != "\"" }))
    }

    /// One request on a fresh connection.
    func request(_ bytes: [UInt8]) async throws -> RawResponse {
        let client = try await client()
        try await client.send(bytes)
        let response = try await client.readResponse()
        await client.close()
        return response
    }

    func get(_ target: String, headers: [String] = []) async throws -> RawResponse {
        try await request(Array(Request.get(target, headers: headers).utf8))
    }

    func post(_ target: String, _ body: String, headers: [String] = []) async throws -> RawResponse {
        try await request(Request.post(target, body: Array(body.utf8), headers: headers))
    }

    func stop() async { await server.stop() }

    /// Sends a polling GET for `sid` on its own connection and leaves it pending.
    func pendingPoll(_ sid: String) async throws -> RawClient {
        let client = try await client()
        try await client.send(Request.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)"))
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            guard let session = engine.session(sid) else { break }
            if try await session.hasParkedPoll().get() { return client }
            try await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("the poll for \(sid) was not parked")
        return client
    }

    /// Waits until session `sid` uses `transport` (the WebSocket's `5` reached the session's loop).
    func waitForTransport(_ sid: String, _ transport: EngineTransportKind) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if engine.session(sid)?.transport == transport { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("session \(sid) never switched to \(transport)")
    }

    /// Opens a WebSocket joining polling session `sid` and completes the probe (`2probe` → `3probe`);
    /// with `upgrade`, also sends `5`.
    func probedWebSocket(_ sid: String, upgrade: Bool = false) async throws -> RawClient {
        let socket = try await client()
        try await socket.openWebSocket("/engine.io/?EIO=4&transport=websocket&sid=\(sid)")
        try await socket.send(WSFrame.text("2probe"))
        #expect(try await socket.readText() == "3probe")
        if upgrade { try await socket.send(WSFrame.text("5")) }
        return socket
    }
}

/// Waits until `condition` holds (server-side effects that follow a hop), recording an issue after `timeout`.
func eventually(
    timeout: Duration = .seconds(5), _ what: String = "condition", _ condition: @Sendable () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(2))
    }
    Issue.record("\(what) did not become true in \(timeout)")
}
