import CompressNIO
import EngineIO
import NIOCore
@testable import SwitchboardTransport
@testable import SwitchboardWebSocket
import Testing

@Suite("Compression: polling gzip/deflate and WebSocket permessage-deflate", .timeLimit(.minutes(1)))
struct CompressionTests {
    static func deflateConfiguration(threshold: Int) -> EngineConfiguration {
        var configuration = TestServer.quiet
        configuration.compression.perMessageDeflateThreshold = threshold
        return configuration
    }

    /// Queues `text` for polling session `sid` (echoed back) and polls it with `acceptEncoding`.
    func pollEcho(_ server: TestServer, _ sid: String, _ text: String, acceptEncoding: String?) async throws -> RawResponse {
        #expect(try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", text).bodyText == "ok")
        return try await server.get(
            "/engine.io/?EIO=4&transport=polling&sid=\(sid)", headers: acceptEncoding.map { ["Accept-Encoding: \($0)"] } ?? [])
    }

    @Test func largePollingAnswersAreGzippedWhenAccepted() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let text = "4" + String(repeating: "hello ", count: 400)
        let response = try await pollEcho(server, sid, text, acceptEncoding: "deflate;q=0.5, gzip")
        #expect(response.status == 200)
        #expect(response.header("Content-Encoding") == "gzip")
        #expect(response.header("Vary") == "Accept-Encoding")
        #expect(response.body.count < text.utf8.count / 4)
        var body = ByteBuffer(bytes: response.body)
        let plain = try body.decompress(with: .gzip())
        #expect(String(buffer: plain) == text)
    }

    @Test func deflateIsUsedWhenGzipIsNotAccepted() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let text = "4" + String(repeating: "x", count: 2_000)
        let response = try await pollEcho(server, sid, text, acceptEncoding: "gzip;q=0, deflate")
        #expect(response.header("Content-Encoding") == "deflate")
        var body = ByteBuffer(bytes: response.body)
        #expect(String(buffer: try body.decompress(with: .zlib())) == text)
    }

    @Test func smallAnswersAndClientsWithoutAcceptEncodingGetPlainBodies() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let small = try await pollEcho(server, sid, "4" + String(repeating: "x", count: 1_000), acceptEncoding: "gzip")
        #expect(small.header("Content-Encoding") == nil)
        #expect(small.body.count == 1_001)
        let large = "4" + String(repeating: "x", count: 2_000)
        let plain = try await pollEcho(server, sid, large, acceptEncoding: nil)
        #expect(plain.header("Content-Encoding") == nil)
        #expect(plain.bodyText == large)
    }

    @Test func httpCompressionCanBeTurnedOff() async throws {
        var configuration = TestServer.quiet
        configuration.compression.httpCompressionThreshold = nil
        let server = try await TestServer.start(configuration: configuration)
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let response = try await pollEcho(server, sid, "4" + String(repeating: "x", count: 2_000), acceptEncoding: "gzip")
        #expect(response.header("Content-Encoding") == nil)
    }

    @Test func acceptEncodingParsing() {
        #expect(HTTPContentEncoding.preferred(acceptEncoding: nil) == nil)
        #expect(HTTPContentEncoding.preferred(acceptEncoding: "identity") == nil)
        #expect(HTTPContentEncoding.preferred(acceptEncoding: "gzip, deflate, br") == .gzip)
        #expect(HTTPContentEncoding.preferred(acceptEncoding: "br, deflate") == .deflate)
        #expect(HTTPContentEncoding.preferred(acceptEncoding: "GZIP;q=0.1") == .gzip)
        #expect(HTTPContentEncoding.preferred(acceptEncoding: "gzip;q=0") == nil)
        #expect(HTTPContentEncoding.preferred(acceptEncoding: "*") == .gzip)
        #expect(HTTPContentEncoding.preferred(acceptEncoding: "*, gzip;q=0") == .deflate)
    }

    /// Opens an Engine.IO WebSocket offering permessage-deflate; returns the client and the 101's extension header.
    func openOfferingDeflate(_ server: TestServer) async throws -> (RawClient, String?) {
        let client = try await server.client()
        let request = Request.webSocket("/engine.io/?EIO=4&transport=websocket").replacingOccurrences(
            of: "\r\n\r\n", with: "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
        try await client.send(request)
        try await client.wait { RawResponse.parse($0) != nil }
        let (response, used) = RawResponse.parse(client.receivedBytes)!
        _ = client.take(used)
        #expect(response.status == 101)
        return (client, response.header("Sec-WebSocket-Extensions"))
    }

    @Test func permessageDeflateIsOffByDefault() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let (client, extensions) = try await openOfferingDeflate(server)
        #expect(extensions == nil)
        #expect(try await client.readText().hasPrefix("0{"))
        await client.close()
    }

    @Test func negotiatedDeflateCompressesLargeMessagesBothWaysAndLeavesSmallOnesPlain() async throws {
        let server = try await TestServer.start(configuration: Self.deflateConfiguration(threshold: 200))
        defer { Task { await server.stop() } }
        let (client, extensions) = try await openOfferingDeflate(server)
        #expect(extensions == "permessage-deflate")
        // The open packet is below the threshold: plain, RSV1 clear.
        try await client.wait { $0.count >= 2 }
        #expect(client.receivedBytes[0] == 0x81)
        #expect(try await client.readText().hasPrefix("0{"))

        // A compressed message from the client is inflated; its large echo comes back compressed.
        let text = "4" + String(repeating: "compress me ", count: 50)
        let deflater = try PerMessageDeflater(configuration: PerMessageDeflate.Configuration())
        let compressed = try deflater.compress(ByteBuffer(string: text), allocator: ByteBufferAllocator())
        var frame = WSFrame.masked(opcode: 1, payload: Array(compressed.readableBytesView))
        frame[0] |= 0x40  // RSV1
        try await client.send(frame)
        try await client.wait { $0.count >= 2 }
        #expect(client.receivedBytes[0] == 0xC1)  // FIN + RSV1 + text
        let echo = try await client.readFrame()
        let inflater = try PerMessageInflater(configuration: PerMessageDeflate.Configuration(), allocator: ByteBufferAllocator())
        var inflated = ByteBuffer()
        try inflater.inflate(ByteBuffer(bytes: echo.payload), isFinal: true, appendingTo: &inflated, limit: 1 << 20)
        #expect(String(buffer: inflated) == text)
        #expect(echo.payload.count < text.utf8.count / 4)

        // A small uncompressed message stays uncompressed.
        try await client.send(WSFrame.text("4small"))
        try await client.wait { $0.count >= 2 }
        #expect(client.receivedBytes[0] == 0x81)
        #expect(try await client.readText() == "4small")
        await client.close()
    }

    /// Echoes each message twice: first marked `compress: false`, then with compression allowed.
    final class UncompressedThenCompressedEcho: EngineServerDelegate, EngineConnectionDelegate {
        func engineServer(didAccept connection: any EngineConnection) { connection.delegate = self }
        func engineConnection(_ connection: any EngineConnection, didReceive message: EngineMessage) {
            guard case .text(let payload) = message else { return }
            connection.send([OutboundEngineMessage(text: payload, compress: false), OutboundEngineMessage(text: payload)])
        }
        func engineConnection(_ connection: any EngineConnection, didCloseWith reason: EngineCloseReason) {}
    }

    @Test func aMessageMarkedCompressFalseLeavesUncompressedWithDeflateNegotiated() async throws {
        let server = try await TestServer.start(
            configuration: Self.deflateConfiguration(threshold: 0), delegate: UncompressedThenCompressedEcho())
        defer { Task { await server.stop() } }
        let (client, extensions) = try await openOfferingDeflate(server)
        #expect(extensions == "permessage-deflate")
        _ = try await client.readFrame()  // open packet
        let text = String(repeating: "plain please ", count: 40)
        try await client.send(WSFrame.text("4" + text))

        try await client.wait { $0.count >= 2 }
        #expect(client.receivedBytes[0] == 0x81)  // FIN + text, RSV1 clear
        let plain = try await client.readFrame()
        #expect(plain.payload == Array(("4" + text).utf8))

        try await client.wait { $0.count >= 2 }
        #expect(client.receivedBytes[0] == 0xC1)  // the same message with compression allowed: RSV1 set
        let compressed = try await client.readFrame()
        let inflater = try PerMessageInflater(configuration: PerMessageDeflate.Configuration(), allocator: ByteBufferAllocator())
        var inflated = ByteBuffer()
        try inflater.inflate(ByteBuffer(bytes: compressed.payload), isFinal: true, appendingTo: &inflated, limit: 1 << 20)
        #expect(String(buffer: inflated) == "4" + text)
        await client.close()
    }

    @Test func corruptCompressedDataClosesWith1007() async throws {
        let server = try await TestServer.start(configuration: Self.deflateConfiguration(threshold: 0))
        defer { Task { await server.stop() } }
        let (client, _) = try await openOfferingDeflate(server)
        _ = try await client.readFrame()
        var frame = WSFrame.masked(opcode: 1, payload: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        frame[0] |= 0x40
        try await client.send(frame)
        let close = try await client.readFrame()
        #expect(close.opcode == 8)
        #expect(close.payload == [0x03, 0xEF])  // 1007
        try await client.waitUntilClosed()
    }

    @Test func rsv1WithoutNegotiationClosesWith1002() async throws {
        let server = try await TestServer.start(configuration: Self.deflateConfiguration(threshold: 0))
        defer { Task { await server.stop() } }
        let client = try await server.client()
        try await client.openWebSocket("/engine.io/?EIO=4&transport=websocket")
        _ = try await client.readText()
        var frame = WSFrame.text("4hello")
        frame[0] |= 0x40
        try await client.send(frame)
        let close = try await client.readFrame()
        #expect(close.payload == [0x03, 0xEA])  // 1002
    }
}
