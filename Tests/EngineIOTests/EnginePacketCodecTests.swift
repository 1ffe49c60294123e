import NIOCore
import SwitchboardTestSupport
import Testing
import SwitchboardJSON

@testable import EngineIO

@Suite struct EnginePacketCodecTests {
    func text(_ string: String) throws -> EnginePacket {
        try EnginePacket.decodeText(ByteBuffer(string: string))
    }

    @Test func decodesEveryTextPacketType() throws {
        #expect(try text("0{\"sid\":\"x\"}") == .open(ByteBuffer(string: "{\"sid\":\"x\"}")))
        #expect(try text("1") == .close)
        #expect(try text("2") == .ping(ByteBuffer()))
        #expect(try text("2probe") == .ping(ByteBuffer(string: "probe")))
        #expect(try text("3probe") == .pong(ByteBuffer(string: "probe")))
        #expect(try text("4hello") == .message(.text(ByteBuffer(string: "hello"))))
        #expect(try text("4") == .message(.text(ByteBuffer())))
        #expect(try text("5") == .upgrade)
        #expect(try text("6") == .noop)
    }

    @Test func rejectsAnEmptyPacket() {
        #expect(throws: EngineDecodingError(.emptyPacket)) { try text("") }
    }

    @Test func rejectsAnUnknownType() {
        #expect(throws: EngineDecodingError(.unknownPacketType)) { try text("abc") }
        #expect(throws: EngineDecodingError(.unknownPacketType)) { try text("7") }
        #expect(throws: EngineDecodingError(.unknownPacketType)) { try text("b") }
    }

    @Test func rejectsInvalidUTF8InATextMessage() {
        var buffer = ByteBuffer(string: "4")
        buffer.writeBytes([0xC3, 0x28])
        #expect(throws: EngineDecodingError(.invalidUTF8)) { try EnginePacket.decodeText(buffer) }
    }

    @Test func acceptsMultiByteUTF8() throws {
        #expect(try text("4é€𝄞") == .message(.text(ByteBuffer(string: "é€𝄞"))))
    }

    @Test func utf8ValidationRejectsOverlongSurrogateAndTruncatedSequences() {
        for bytes: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80]] {
            #expect(!UTF8Validation.isValid(ByteBuffer(bytes: bytes)), "\(bytes)")
        }
        #expect(UTF8Validation.isValid(ByteBuffer(bytes: [0xF4, 0x8F, 0xBF, 0xBF])))
    }

    @Test func encodesPacketsForPolling() {
        func encoded(_ packet: EnginePacket) -> String {
            var buffer = ByteBuffer()
            packet.encodeForPolling(into: &buffer)
            return String(buffer: buffer)
        }
        #expect(encoded(.ping(ByteBuffer())) == "2")
        #expect(encoded(.pong(ByteBuffer(string: "probe"))) == "3probe")
        #expect(encoded(.close) == "1")
        #expect(encoded(.noop) == "6")
        #expect(encoded(.message(.text(ByteBuffer(string: "hi")))) == "4hi")
        #expect(encoded(.message(.binary(ByteBuffer(bytes: [1, 2, 3, 4])))) == "bAQIDBA==")
    }

    @Test func encodesWebSocketFrames() {
        let allocator = ByteBufferAllocator()
        #expect(Array(EnginePacket.ping(ByteBuffer()).webSocketFrame(allocator: allocator).readableBytesView) == [0x81, 0x01, 0x32])
        #expect(
            Array(EnginePacket.pong(ByteBuffer(string: "probe")).webSocketFrame(allocator: allocator).readableBytesView)
                == [0x81, 0x06] + Array("3probe".utf8))
        #expect(
            Array(EnginePacket.message(.binary(ByteBuffer(bytes: [9, 8]))).webSocketFrame(allocator: allocator).readableBytesView)
                == [0x82, 0x02, 9, 8])
    }

    @Test func webSocketFramesUseExtendedLengths() {
        let medium = OutboundEngineMessage(text: ByteBuffer(repeating: 0x61, count: 200))
        #expect(Array(medium.webSocketFrame.readableBytesView.prefix(4)) == [0x81, 126, 0, 201])
        let large = OutboundEngineMessage(binary: ByteBuffer(repeating: 0, count: 70_000))
        #expect(Array(large.webSocketFrame.readableBytesView.prefix(10)) == [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70])
        #expect(large.webSocketFrame.readableBytes == 70_010)
    }
}

@Suite struct Base64Tests {
    @Test func encodesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            var buffer = ByteBuffer()
            Base64.encode(ByteBuffer(string: plain), into: &buffer)
            #expect(String(buffer: buffer) == encoded)
            #expect(Base64.decode(ByteBuffer(string: encoded)).map { String(buffer: $0) } == plain)
        }
    }

    @Test func rejectsCharactersOutsideTheAlphabetAndBadLengths() {
        for bad in ["Zm9v!", "Z", "Zm9vY", "Zg=a", "=Zg=", "Zh==", "Zm9vYmFy==="] {
            #expect(Base64.decode(ByteBuffer(string: bad)) == nil, "\(bad)")
        }
    }

    @Test func roundTripsRandomBytes() {
        var generator = SeededGenerator(seed: 42)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var encoded = ByteBuffer()
            Base64.encode(ByteBuffer(bytes: bytes), into: &encoded)
            #expect(Base64.decode(encoded).map { Array($0.readableBytesView) } == bytes)
        }
    }
}

