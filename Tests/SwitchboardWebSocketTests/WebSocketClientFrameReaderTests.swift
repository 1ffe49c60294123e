import NIOCore
import NIOWebSocket
import Testing

@testable import SwitchboardWebSocket

@Suite struct WebSocketClientFrameReaderTests {
    typealias Reader = WebSocketClientFrameReader

    /// Feeds `chunks` one read after another and describes every frame as "opcode fin rsv payload".
    func read(_ chunks: [[UInt8]], maxFrameSize: Int = 1 << 20) throws(Reader.ReadError) -> [String] {
        var reader = Reader(maxFrameSize: maxFrameSize)
        var frames: [String] = []
        for chunk in chunks {
            reader.append(ByteBuffer(bytes: chunk))
            while let frame = try reader.next() {
                frames.append(Self.describe(frame))
            }
        }
        return frames
    }

    static func describe(_ frame: Reader.Frame) -> String {
        let rsv = (frame.rsv1 ? "1" : "") + (frame.rsv2OrRsv3 ? "23" : "")
        return "\(frame.opcode) \(frame.fin ? "fin" : "more")\(rsv.isEmpty ? "" : " rsv\(rsv)") "
            + String(decoding: frame.unmaskedPayload.readableBytesView, as: UTF8.self)
    }

    @Test func aWholeTextFrameInOneReadIsOneFrameWithItsUnmaskedPayload() throws {
        #expect(try read([clientFrameBytes(0x81, Array("4hello".utf8))]) == ["1 fin 4hello"])
    }

    @Test func anEmptyFrameIsRead() throws {
        #expect(try read([clientFrameBytes(0x8A, [])]) == ["10 fin "])
    }

    @Test func severalFramesInOneReadComeOutInOrder() throws {
        let bytes = clientFrameBytes(0x01, Array("ab".utf8)) + clientFrameBytes(0x89, Array("p".utf8))
            + clientFrameBytes(0x80, Array("cd".utf8))
        #expect(try read([bytes]) == ["1 more ab", "9 fin p", "0 fin cd"])
    }

    @Test func aFrameSplitAtEveryByteComesOutOnceWhole() throws {
        for payload in [Array("3".utf8), Array(repeating: UInt8(ascii: "x"), count: 200), Array(repeating: 7, count: 70_000)] {
            let bytes = clientFrameBytes(0x82, payload)
            // Header boundaries and a few payload cuts.
            for cut in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, bytes.count - 1] where cut < bytes.count {
                let frames = try read([Array(bytes[..<cut]), Array(bytes[cut...])])
                #expect(frames == ["2 fin " + String(decoding: payload, as: UTF8.self)], "cut at \(cut)")
            }
        }
    }

    @Test func byteByByteReadsGiveEveryFrame() throws {
        let bytes = clientFrameBytes(0x81, Array("2probe".utf8)) + clientFrameBytes(0x81, Array("3".utf8))
        #expect(try read(bytes.map { [$0] }) == ["1 fin 2probe", "1 fin 3"])
    }

    @Test func theTailOfAFrameAndTheNextFramesShareARead() throws {
        let first = clientFrameBytes(0x81, Array("40".utf8))
        let second = clientFrameBytes(0x81, Array("3".utf8))
        #expect(try read([Array(first[..<3]), Array(first[3...]) + second + second]) == ["1 fin 40", "1 fin 3", "1 fin 3"])
    }

    @Test func allThreeLengthEncodingsAreRead() throws {
        let small = Array(repeating: UInt8(ascii: "a"), count: 125)
        let medium = Array(repeating: UInt8(ascii: "b"), count: 126)
        #expect(try read([clientFrameBytes(0x81, small)]) == ["1 fin " + String(decoding: small, as: UTF8.self)])
        #expect(try read([clientFrameBytes(0x81, medium)]) == ["1 fin " + String(decoding: medium, as: UTF8.self)])
        #expect(try read([clientFrameBytes(0x81, Array("c".utf8), longLength: true)]) == ["1 fin c"])
    }

    @Test func rsvBitsAndUnknownOpcodesArePassedOnForTheCallerToJudge() throws {
        #expect(try read([clientFrameBytes(0xC1, Array("x".utf8))]) == ["1 fin rsv1 x"])
        #expect(try read([clientFrameBytes(0xB1, Array("x".utf8))]) == ["1 fin rsv23 x"])
        #expect(try read([clientFrameBytes(0x83, [])]) == ["3 fin "])
        #expect(try read([clientFrameBytes(0x8B, [])]) == ["11 fin "])
    }

    @Test func aFrameLongerThanTheLimitIsTooLargeAsSoonAsItsHeaderIsRead() throws {
        let header = Array(clientFrameBytes(0x82, Array(repeating: 0, count: 101))[..<6])
        #expect(throws: Reader.ReadError.frameTooLarge) { try read([header], maxFrameSize: 100) }
        #expect(try read([clientFrameBytes(0x82, Array(repeating: 0, count: 100))], maxFrameSize: 100).count == 1)
    }

    @Test func aLengthWithTheMostSignificantBitIsTooLarge() {
        let bytes: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]
        #expect(throws: Reader.ReadError.frameTooLarge) { try read([bytes]) }
    }

    @Test func theSizeLimitIsCheckedBeforeTheControlFrameRules() {
        #expect(throws: Reader.ReadError.frameTooLarge) {
            try read([clientFrameBytes(0x09, Array(repeating: 0, count: 200))], maxFrameSize: 150)
        }
    }

    @Test func fragmentedOrLongControlFramesAreProtocolViolations() throws {
        #expect(throws: Reader.ReadError.protocolViolation) { try read([clientFrameBytes(0x09, [])]) }
        #expect(throws: Reader.ReadError.protocolViolation) { try read([clientFrameBytes(0x08, [3, 0xE8])]) }
        #expect(throws: Reader.ReadError.protocolViolation) { try read([clientFrameBytes(0x89, Array(repeating: 0, count: 126))]) }
        #expect(try read([clientFrameBytes(0x89, Array(repeating: 0x41, count: 125))]).count == 1)
    }

    @Test func anUnmaskedFrameIsRejectedAfterTheLengthAndControlRules() throws {
        #expect(throws: Reader.ReadError.unmaskedFrame) { try read([clientFrameBytes(0x81, Array("3".utf8), masked: false)]) }
        #expect(throws: Reader.ReadError.frameTooLarge) {
            try read([clientFrameBytes(0x82, Array(repeating: 0, count: 20), masked: false)], maxFrameSize: 10)
        }
        #expect(throws: Reader.ReadError.protocolViolation) { try read([clientFrameBytes(0x09, [], masked: false)]) }
    }

    @Test func errorsMapToTheirCloseCodes() {
        #expect(Reader.ReadError.frameTooLarge.closeCode == 1009)
        #expect(Reader.ReadError.protocolViolation.closeCode == 1002)
        #expect(Reader.ReadError.unmaskedFrame.closeCode == 1002)
    }

    @Test func noBytesAreHeldOnceEveryFrameIsTaken() throws {
        var reader = Reader(maxFrameSize: 100)
        let frame = clientFrameBytes(0x81, Array("3".utf8))
        reader.append(ByteBuffer(bytes: frame + frame[..<2]))
        #expect(try reader.next() != nil)
        #expect(try reader.next() == nil)
        #expect(reader.hasPendingBytes)
        reader.append(ByteBuffer(bytes: Array(frame[2...])))
        #expect(try reader.next() != nil)
        #expect(!reader.hasPendingBytes)
        reader.append(ByteBuffer())
        #expect(!reader.hasPendingBytes)
    }

    @Test func discardDropsAnIncompleteFrame() throws {
        var reader = Reader(maxFrameSize: 100)
        reader.append(ByteBuffer(bytes: Array(clientFrameBytes(0x81, Array("40".utf8))[..<4])))
        reader.discard()
        #expect(!reader.hasPendingBytes)
        #expect(try reader.next() == nil)
    }

    @Test func payloadIsComparesOneMaskedByte() throws {
        var reader = Reader(maxFrameSize: 100)
        reader.append(ByteBuffer(bytes: clientFrameBytes(0x81, Array("3".utf8)) + clientFrameBytes(0x81, Array("30".utf8))
            + clientFrameBytes(0x81, Array("2".utf8)) + clientFrameBytes(0x81, [])))
        let pong = try #require(try reader.next())
        #expect(pong.payloadIs(UInt8(ascii: "3")))
        #expect(!(try #require(try reader.next())).payloadIs(UInt8(ascii: "3")))
        #expect(!(try #require(try reader.next())).payloadIs(UInt8(ascii: "3")))
        #expect(!(try #require(try reader.next())).payloadIs(UInt8(ascii: "3")))
    }

    @Test func unmaskingAPayloadLeavesTheReadBytesAlone() throws {
        var reader = Reader(maxFrameSize: 100)
        let bytes = ByteBuffer(bytes: clientFrameBytes(0x81, Array("hello".utf8)))
        reader.append(bytes)
        let frame = try #require(try reader.next())
        #expect(String(buffer: frame.unmaskedPayload) == "hello")
        #expect(bytes == ByteBuffer(bytes: clientFrameBytes(0x81, Array("hello".utf8))))
    }
}

@Suite struct WebSocketFrameHeaderTests {
    @Test func aHeaderIsReadOnlyWhenAllOfItIsThere() {
        let bytes = clientFrameBytes(0x82, Array(repeating: 1, count: 300))
        for count in 0..<8 {
            #expect(WebSocketFrameHeader(at: ByteBuffer(bytes: Array(bytes[..<count]))) == nil, "\(count) bytes")
        }
        let header = WebSocketFrameHeader(at: ByteBuffer(bytes: Array(bytes[..<8])))
        #expect(header?.length == 300)
        #expect(header?.headerLength == 8)
        #expect(header?.maskKey == WebSocketMaskingKey([0x37, 0xFA, 0x21, 0x3D]))
        #expect(header?.mask == 0x37FA_213D)
        #expect(header?.isFinal == true)
        #expect(header?.isControl == false)
    }

    @Test func anUnmaskedHeaderHasNoKey() {
        let header = WebSocketFrameHeader(at: ByteBuffer(bytes: [0x89, 0x00]))
        #expect(header?.maskKey == nil)
        #expect(header?.headerLength == 2)
        #expect(header?.isControl == true)
    }

    @Test func aSixtyFourBitLengthIsKeptAsDeclared() {
        let header = WebSocketFrameHeader(at: ByteBuffer(bytes: [0x02, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 5]))
        #expect(header?.length == UInt64(1) << 63 | 5)
        #expect(header?.headerLength == 10)
        #expect(header?.isFinal == false)
    }
}
