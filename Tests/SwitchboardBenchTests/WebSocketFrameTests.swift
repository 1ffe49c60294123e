import NIOCore
import Testing

@testable import SwitchboardBench

@Suite("Client frame encoder")
struct ClientFrameEncoderTests {
    @Test("Masks 'Hello' exactly like the RFC 6455 §5.7 example")
    func rfcMaskedHello() {
        var buffer = ByteBuffer()
        ClientFrameEncoder.writeFrame(opcode: .text, payload: ByteBuffer(string: "Hello"), maskKey: 0x37FA_213D, into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test("Uses 7-bit, 16-bit and 64-bit lengths at the RFC boundaries", arguments: [0, 125, 126, 65535, 65536])
    func lengthEncoding(length: Int) {
        var buffer = ByteBuffer()
        ClientFrameEncoder.writeFrame(opcode: .binary, payload: ByteBuffer(repeating: 0x41, count: length), maskKey: 1, into: &buffer)
        #expect(buffer.readableBytes == ClientFrameEncoder.frameLength(payloadLength: length))
        #expect(buffer.getInteger(at: 0, as: UInt8.self) == 0x82)
        let second = buffer.getInteger(at: 1, as: UInt8.self)!
        #expect(second & 0x80 == 0x80, "client frames are masked")
        switch length {
        case ...125: #expect(Int(second & 0x7F) == length)
        case ...65535:
            #expect(second & 0x7F == 126)
            #expect(buffer.getInteger(at: 2, as: UInt16.self) == UInt16(length))
        default:
            #expect(second & 0x7F == 127)
            #expect(buffer.getInteger(at: 2, as: UInt64.self) == UInt64(length))
        }
    }

    @Test("Masking twice restores the payload for every length 0...40 and offset")
    func maskRoundTrip() {
        var keys = MaskKeyGenerator(seed: 42)
        for length in 0...40 {
            let original = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            let key = keys.next()
            var buffer = ByteBuffer(bytes: [9, 9, 9])
            var copy = original
            buffer.writeBuffer(&copy)
            ClientFrameEncoder.applyMask(key, to: &buffer, from: 3, count: length)
            if length >= 4 { #expect(buffer.getSlice(at: 3, length: length) != original || key == 0) }
            ClientFrameEncoder.applyMask(key, to: &buffer, from: 3, count: length)
            #expect(buffer.getSlice(at: 3, length: length) == original)
            #expect(buffer.getBytes(at: 0, length: 3) == [9, 9, 9], "bytes before the payload are untouched")
        }
    }

    @Test("A frame written then unmasked decodes back to its payload")
    func encodeThenDecode() throws {
        var buffer = ByteBuffer()
        let payload = ByteBuffer(string: #"421["echo","hello"]"#)
        ClientFrameEncoder.writeFrame(opcode: .text, payload: payload, maskKey: 0xDEAD_BEEF, into: &buffer)
        // Unmask in place and clear the mask bit, as a server would see it.
        let header = ClientFrameEncoder.headerLength(payloadLength: payload.readableBytes)
        ClientFrameEncoder.applyMask(0xDEAD_BEEF, to: &buffer, from: header, count: payload.readableBytes)
        var server = ByteBuffer(bytes: [0x81, UInt8(payload.readableBytes)])
        var body = buffer.getSlice(at: header, length: payload.readableBytes)!
        server.writeBuffer(&body)
        let frame = try ServerFrameDecoder().next(&server)
        #expect(frame?.payload == payload)
    }

    @Test("Mask keys from one seed are not all equal")
    func maskKeysVary() {
        var keys = MaskKeyGenerator(seed: 1)
        let drawn = Set((0..<100).map { _ in keys.next() })
        #expect(drawn.count > 95)
    }
}

@Suite("Server frame decoder")
struct ServerFrameDecoderTests {
    @Test("Decodes an unmasked text frame and leaves the following bytes")
    func decodesText() throws {
        var buffer = ByteBuffer(bytes: [0x81, 0x05] + Array("Hello".utf8) + [0x89])
        let frame = try #require(try ServerFrameDecoder().next(&buffer))
        #expect(frame.fin && frame.opcode == .text)
        #expect(frame.payload == ByteBuffer(string: "Hello"))
        #expect(buffer.readableBytes == 1)
    }

    @Test("Needs more bytes at every split point of a 16-bit-length frame")
    func segmentation() throws {
        let payload = [UInt8](repeating: 0x61, count: 300)
        let whole: [UInt8] = [0x81, 126, 0x01, 0x2C] + payload
        for split in 0..<whole.count {
            var partial = ByteBuffer(bytes: whole[0..<split])
            #expect(try ServerFrameDecoder().next(&partial) == nil)
            #expect(partial.readableBytes == split, "nothing consumed before the frame is complete")
        }
        var complete = ByteBuffer(bytes: whole)
        #expect(try ServerFrameDecoder().next(&complete)?.payload.readableBytes == 300)
    }

    @Test("Rejects masked server frames")
    func rejectsMasked() {
        var buffer = ByteBuffer(bytes: [0x81, 0x81, 1, 2, 3, 4, 0x61])
        #expect(throws: BenchError.self) { try ServerFrameDecoder().next(&buffer) }
    }

    @Test("Rejects reserved bits")
    func rejectsReservedBits() {
        var buffer = ByteBuffer(bytes: [0xC1, 0x00])
        #expect(throws: BenchError.self) { try ServerFrameDecoder().next(&buffer) }
    }

    @Test("Rejects unknown opcodes")
    func rejectsUnknownOpcode() {
        var buffer = ByteBuffer(bytes: [0x83, 0x00])
        #expect(throws: BenchError.self) { try ServerFrameDecoder().next(&buffer) }
    }

    @Test("Rejects fragmented control frames")
    func rejectsFragmentedControl() {
        var buffer = ByteBuffer(bytes: [0x09, 0x00])
        #expect(throws: BenchError.self) { try ServerFrameDecoder().next(&buffer) }
    }

    @Test("Rejects control frames over 125 bytes")
    func rejectsLongControl() {
        var buffer = ByteBuffer(bytes: [0x89, 126, 0, 126] + [UInt8](repeating: 0, count: 126))
        #expect(throws: BenchError.self) { try ServerFrameDecoder().next(&buffer) }
    }

    @Test("Rejects oversized frames from the header alone")
    func rejectsOversized() {
        var buffer = ByteBuffer(bytes: [0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0])
        #expect(throws: BenchError.self) { try ServerFrameDecoder(maxFrameSize: 1000).next(&buffer) }
    }

    @Test("Rejects 64-bit lengths with the top bit set")
    func rejectsTopBit() {
        var buffer = ByteBuffer(bytes: [0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1])
        #expect(throws: BenchError.self) { try ServerFrameDecoder().next(&buffer) }
    }

    @Test("Reassembles a fragmented text message")
    func reassembles() throws {
        var reassembler = MessageReassembler()
        let first = ServerFrame(fin: false, opcode: .text, payload: ByteBuffer(string: "42[\"a"))
        let middle = ServerFrame(fin: false, opcode: .continuation, payload: ByteBuffer(string: "bc"))
        let last = ServerFrame(fin: true, opcode: .continuation, payload: ByteBuffer(string: "\"]"))
        #expect(try reassembler.feed(first) == nil)
        #expect(try reassembler.feed(middle) == nil)
        let message = try #require(try reassembler.feed(last))
        #expect(message.0 == .text)
        #expect(message.1 == ByteBuffer(string: "42[\"abc\"]"))
    }

    @Test("Rejects a continuation without a message and a new message inside a fragmented one")
    func rejectsBadFragmentation() {
        var reassembler = MessageReassembler()
        #expect(throws: BenchError.self) {
            try reassembler.feed(ServerFrame(fin: true, opcode: .continuation, payload: ByteBuffer()))
        }
        var other = MessageReassembler()
        _ = try? other.feed(ServerFrame(fin: false, opcode: .text, payload: ByteBuffer(string: "a")))
        #expect(throws: BenchError.self) {
            try other.feed(ServerFrame(fin: true, opcode: .text, payload: ByteBuffer(string: "b")))
        }
    }
}
