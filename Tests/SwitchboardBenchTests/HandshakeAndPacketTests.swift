import NIOCore
import Testing

@testable import SwitchboardBench

@Suite("WebSocket handshake")
struct WebSocketHandshakeTests {
    @Test("Accept value matches the RFC 6455 §1.3 example")
    func rfcAccept() {
        #expect(WebSocketHandshake.expectedAccept(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("The request asks for the Socket.IO WebSocket transport with a base64 key")
    func requestBytes() {
        let handshake = WebSocketHandshake(hostHeader: "127.0.0.1:3000", keyBytes: Array(1...16))
        var buffer = ByteBuffer()
        handshake.writeRequest(into: &buffer)
        let text = String(buffer: buffer)
        #expect(text.hasPrefix("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"))
        #expect(text.contains("Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n"))
        #expect(text.contains("Sec-WebSocket-Version: 13\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    private func response(accept: String, status: String = "101 Switching Protocols", extra: String = "") -> ByteBuffer {
        ByteBuffer(string: "HTTP/1.1 \(status)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\(extra)\r\n")
    }

    @Test("Accepts a valid 101 and keeps the bytes after the head")
    func acceptsValid() throws {
        let handshake = WebSocketHandshake(hostHeader: "h", keyBytes: Array(1...16))
        var buffer = response(accept: WebSocketHandshake.expectedAccept(forKey: handshake.key))
        buffer.writeBytes([0x81, 0x01, 0x32])
        #expect(try handshake.parseResponse(&buffer) != nil)
        #expect(Array(buffer.readableBytesView) == [0x81, 0x01, 0x32])
    }

    @Test("Waits for the whole head")
    func needsMore() throws {
        let handshake = WebSocketHandshake(hostHeader: "h", keyBytes: Array(1...16))
        var buffer = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n")
        #expect(try handshake.parseResponse(&buffer) == nil)
    }

    @Test("Parses the head and the frames after it whatever the split point")
    func segmentation() throws {
        let handshake = WebSocketHandshake(hostHeader: "h", keyBytes: Array(1...16))
        var whole = response(accept: WebSocketHandshake.expectedAccept(forKey: handshake.key))
        let headLength = whole.readableBytes
        whole.writeBytes([0x81, 0x02, 0x34, 0x30])  // "40"
        let bytes = Array(whole.readableBytesView)
        for split in 1..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[0..<split])
            var done = try handshake.parseResponse(&buffer) != nil
            #expect(done == (split >= headLength))
            buffer.writeBytes(bytes[split...])
            if !done { done = try handshake.parseResponse(&buffer) != nil }
            #expect(done)
            let frame = try #require(try ServerFrameDecoder().next(&buffer))
            #expect(frame.payload == ByteBuffer(string: "40"))
        }
    }

    @Test("Rejects a non-101 status")
    func rejectsStatus() {
        let handshake = WebSocketHandshake(hostHeader: "h", keyBytes: Array(1...16))
        var buffer = response(accept: WebSocketHandshake.expectedAccept(forKey: handshake.key), status: "400 Bad Request")
        #expect(throws: BenchError.self) { try handshake.parseResponse(&buffer) }
    }

    @Test("Rejects a wrong accept value")
    func rejectsAccept() {
        let handshake = WebSocketHandshake(hostHeader: "h", keyBytes: Array(1...16))
        var buffer = response(accept: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        #expect(throws: BenchError.self) { try handshake.parseResponse(&buffer) }
    }

    @Test("Rejects an extension the client did not offer")
    func rejectsExtension() {
        let handshake = WebSocketHandshake(hostHeader: "h", keyBytes: Array(1...16))
        var buffer = response(accept: WebSocketHandshake.expectedAccept(forKey: handshake.key), extra: "Sec-WebSocket-Extensions: permessage-deflate\r\n")
        #expect(throws: BenchError.self) { try handshake.parseResponse(&buffer) }
    }

    @Test("Rejects an oversized head")
    func rejectsHugeHead() {
        let handshake = WebSocketHandshake(hostHeader: "h", keyBytes: Array(1...16))
        var buffer = ByteBuffer(string: "HTTP/1.1 101 OK\r\n" + String(repeating: "X", count: 9000))
        #expect(throws: BenchError.self) { try handshake.parseResponse(&buffer) }
    }
}

@Suite("Inbound Engine.IO / Socket.IO packets")
struct InboundPacketTests {
    private func parse(_ text: String) throws -> InboundPacket { try InboundPacket.parse(ByteBuffer(string: text)) }

    @Test("Parses Engine.IO open, ping, pong, close and noop")
    func engineTypes() throws {
        #expect(try parse(#"0{"sid":"x"}"#) == .open(ByteBuffer(string: #"{"sid":"x"}"#)))
        #expect(try parse("2") == .ping(ByteBuffer()))
        #expect(try parse("2probe") == .ping(ByteBuffer(string: "probe")))
        #expect(try parse("3") == .pong)
        #expect(try parse("1") == .close)
        #expect(try parse("6") == .noop)
    }

    @Test("Parses Socket.IO connect, events with and without ack ids, acks and connect errors")
    func socketTypes() throws {
        #expect(try parse(#"40{"sid":"a"}"#) == .connect(ByteBuffer(string: #"{"sid":"a"}"#)))
        #expect(try parse(#"42["bcast","x"]"#) == .event(ackID: nil, arguments: ByteBuffer(string: #"["bcast","x"]"#)))
        #expect(try parse(#"4217["e"]"#) == .event(ackID: 17, arguments: ByteBuffer(string: #"["e"]"#)))
        #expect(try parse(#"43123["hi"]"#) == .ack(id: 123, arguments: ByteBuffer(string: #"["hi"]"#)))
        #expect(try parse(#"44{"message":"no"}"#) == .connectError(ByteBuffer(string: #"{"message":"no"}"#)))
        #expect(try parse("41") == .disconnect)
        #expect(try parse("451-[\"x\"]") == .binary)
    }

    @Test("Rejects empty packets, unknown types, acks without ids and other namespaces", arguments: ["", "9", "4", "49", #"43["x"]"#, #"42/chat,["x"]"#])
    func rejects(text: String) {
        #expect(throws: BenchError.self) { try parse(text) }
    }

    @Test("Writes and reads decimals without allocating strings", arguments: [UInt64(0), 9, 10, 12345, UInt64.max])
    func decimals(value: UInt64) {
        var buffer = ByteBuffer()
        Decimal.write(value, into: &buffer)
        #expect(String(buffer: buffer) == String(value))
        #expect(Decimal.length(of: value) == String(value).count)
        #expect(Decimal.read(from: &buffer) == value)
    }

    @Test("Refuses decimals that overflow 64 bits")
    func decimalOverflow() {
        var buffer = ByteBuffer(string: "18446744073709551616")
        #expect(Decimal.read(from: &buffer) == nil)
    }
}

@Suite("Client session state machine")
struct ClientSessionStateMachineTests {
    @Test("Upgrade, open, connect, then events and acks reach the scenario")
    func happyPath() {
        var machine = ClientSessionStateMachine()
        #expect(machine.upgraded() == .none)
        #expect(machine.received(.open(ByteBuffer())) == .sendConnect)
        #expect(machine.received(.ping(ByteBuffer())) == .sendPong(ByteBuffer()))
        #expect(machine.received(.connect(ByteBuffer())) == .connected)
        #expect(machine.state == .connected)
        #expect(machine.received(.ack(id: 3, arguments: ByteBuffer(string: "[]"))) == .deliverAck(id: 3, arguments: ByteBuffer(string: "[]")))
        #expect(machine.received(.event(ackID: nil, arguments: ByteBuffer())) == .deliverEvent(ackID: nil, arguments: ByteBuffer()))
        #expect(machine.received(.ping(ByteBuffer(string: "x"))) == .sendPong(ByteBuffer(string: "x")))
    }

    @Test("A connect error fails the session")
    func connectError() {
        var machine = ClientSessionStateMachine()
        _ = machine.upgraded()
        _ = machine.received(.open(ByteBuffer()))
        guard case .fail(let error) = machine.received(.connectError(ByteBuffer())) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .connectRefused)
        #expect(machine.state == .closed)
    }

    @Test("Packets before the Engine.IO open fail the session")
    func outOfOrder() {
        var machine = ClientSessionStateMachine()
        guard case .fail = machine.received(.open(ByteBuffer())) else {
            Issue.record("packet before upgrade must fail")
            return
        }
        var other = ClientSessionStateMachine()
        _ = other.upgraded()
        guard case .fail = other.received(.connect(ByteBuffer())) else {
            Issue.record("connect before open must fail")
            return
        }
    }

    @Test("Engine.IO close and Socket.IO disconnect end the session")
    func serverClose() {
        var machine = ClientSessionStateMachine()
        _ = machine.upgraded()
        _ = machine.received(.open(ByteBuffer()))
        _ = machine.received(.connect(ByteBuffer()))
        #expect(machine.received(.disconnect) == .closeByServer)
        #expect(machine.received(.ping(ByteBuffer())) == .none, "nothing is answered after close")
    }
}
