import NIOCore
import SwitchboardTestSupport
import Testing

@testable import EngineIO

@Suite struct PollingPayloadTests {
    func decode(_ text: String, maxPayload: Int = 1_000_000) throws -> [EnginePacket] {
        try PollingPayload.decode(ByteBuffer(string: text), maxPayload: maxPayload)
    }

    @Test func decodesOnePacket() throws {
        #expect(try decode("4hello") == [.message(.text(ByteBuffer(string: "hello")))])
    }

    @Test func decodesSeveralPacketsInOrder() throws {
        #expect(
            try decode("4test1\u{1e}4test2\u{1e}3\u{1e}1") == [
                .message(.text(ByteBuffer(string: "test1"))), .message(.text(ByteBuffer(string: "test2"))),
                .pong(ByteBuffer()), .close,
            ])
    }

    @Test func decodesBinaryAsBase64() throws {
        #expect(
            try decode("4hello\u{1e}bAQIDBA==") == [
                .message(.text(ByteBuffer(string: "hello"))), .message(.binary(ByteBuffer(bytes: [1, 2, 3, 4]))),
            ])
        #expect(try decode("b") == [.message(.binary(ByteBuffer()))])
    }

    @Test func rejectsAnEmptyBody() {
        #expect(throws: EngineDecodingError(.emptyPayload)) { try decode("") }
    }

    @Test func rejectsAnEmptyPacketBetweenSeparators() {
        #expect(throws: EngineDecodingError(.emptyPacket)) { try decode("4a\u{1e}\u{1e}4b") }
        #expect(throws: EngineDecodingError(.emptyPacket)) { try decode("4a\u{1e}") }
    }

    @Test func rejectsAnUnknownPacketType() {
        #expect(throws: EngineDecodingError(.unknownPacketType)) { try decode("abc") }
        #expect(throws: EngineDecodingError(.unknownPacketType)) { try decode("4a\u{1e}9") }
    }

    @Test func rejectsBadBase64() {
        #expect(throws: EngineDecodingError(.invalidBase64)) { try decode("b!!!!") }
    }

    @Test func rejectsInvalidUTF8() {
        var body = ByteBuffer(string: "4")
        body.writeBytes([0xFF])
        #expect(throws: EngineDecodingError(.invalidUTF8)) { try PollingPayload.decode(body, maxPayload: 100) }
    }

    @Test func rejectsABodyAboveMaxPayloadBeforeDecoding() {
        #expect(throws: EngineDecodingError(.payloadTooLarge)) { try decode("4hello", maxPayload: 5) }
        #expect(throws: Never.self) { try decode("4hello", maxPayload: 6) }
    }

    @Test func encodesTextAndBinaryJoinedBySeparators() {
        let body = PollingPayload.encode(
            [EngineOutboundPacket.message(OutboundEngineMessage(text: ByteBuffer(string: "a"))), .ping, .noop,
             .message(OutboundEngineMessage(binary: ByteBuffer(bytes: [1, 2, 3, 4])))],
            allocator: ByteBufferAllocator())
        #expect(String(buffer: body) == "4a\u{1e}2\u{1e}6\u{1e}bAQIDBA==")
    }

    @Test func roundTripsRandomPayloads() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let count = Int.random(in: 1...6, using: &generator)
            let packets: [EnginePacket] = (0..<count).map { _ in
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: return .pong(ByteBuffer())
                case 1: return .close
                case 2: return .noop
                case 3:
                    let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                    return .message(.binary(ByteBuffer(bytes: bytes)))
                default:
                    let scalars = (0..<Int.random(in: 0...20, using: &generator)).map { _ -> Character in
                        let choices: [Character] = ["a", "Z", "0", " ", "é", "€", "𝄞", "{", "\"", "\u{1f}"]
                        return choices[Int.random(in: 0..<choices.count, using: &generator)]
                    }
                    return .message(.text(ByteBuffer(string: String(scalars))))
                }
            }
            let body = PollingPayload.encode(packets, allocator: ByteBufferAllocator())
            #expect(try PollingPayload.decode(body, maxPayload: 1_000_000) == packets)
        }
    }
}
