import NIOCore
import NIOWebSocket
import Testing

@testable import SwitchboardWebSocket

/// Feeds `frame` and expects the action summarised as `expected`.
func expect(
    _ assembler: inout WebSocketMessageAssembler,
    _ frame: WebSocketFrame,
    _ expected: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let summary = assembler.receive(frame).summary
    #expect(summary == expected, sourceLocation: sourceLocation)
}

@Suite struct WebSocketMessageAssemblerTests {
    func makeAssembler(maxMessageSize: Int = 1 << 20, deflate: PerMessageDeflate.Configuration? = nil) throws
        -> WebSocketMessageAssembler
    {
        try WebSocketMessageAssembler(maxMessageSize: maxMessageSize, deflate: deflate)
    }

    // MARK: Messages

    @Test func deliversASingleFrameTextMessage() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, "Hello"), deliver(.text, "Hello"))
    }

    @Test func deliversASingleFrameBinaryMessageWithAnyBytes() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.binary, [0xFF, 0x00, 0xC0]), deliver(.binary, [0xFF, 0x00, 0xC0]))
    }

    @Test func deliversEmptyMessages() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, []), deliver(.text, []))
        expect(&assembler, frame(.binary, [], fin: false), "none")
        expect(&assembler, frame(.continuation, []), deliver(.binary, []))
    }

    @Test func unmasksMaskedFrames() throws {
        var assembler = try makeAssembler()
        let key: WebSocketMaskingKey = [0x37, 0xFA, 0x21, 0x3D]
        expect(&assembler, frame(.text, Array("Hello".utf8), maskKey: key), deliver(.text, "Hello"))
    }

    @Test func reassemblesAFragmentedMessage() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, "Hel", fin: false), "none")
        expect(&assembler, frame(.continuation, "l", fin: false), "none")
        expect(&assembler, frame(.continuation, "o"), deliver(.text, "Hello"))
        expect(&assembler, frame(.binary, [1], fin: false), "none")
        expect(&assembler, frame(.continuation, [2]), deliver(.binary, [1, 2]))
    }

    @Test func answersAPingBetweenFragmentsAndKeepsTheMessage() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, "frag", fin: false), "none")
        expect(&assembler, frame(.ping, [1, 2, 3]), "pong [1, 2, 3]")
        expect(&assembler, frame(.pong, [9]), "none")
        expect(&assembler, frame(.continuation, "ment"), deliver(.text, "fragment"))
    }

    @Test func answersAPingWithA125BytePayload() throws {
        var assembler = try makeAssembler()
        let payload = [UInt8](repeating: 0xFE, count: 125)
        expect(&assembler, frame(.ping, payload), "pong \(payload)")
    }

    @Test func ignoresPongs() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.pong, [1]), "none")
    }

    @Test func acceptsACodePointSplitAcrossFragments() throws {
        var assembler = try makeAssembler()
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        expect(&assembler, frame(.text, [0xE2], fin: false), "none")
        expect(&assembler, frame(.continuation, [0x82], fin: false), "none")
        expect(&assembler, frame(.continuation, [0xAC]), deliver(.text, euro))
    }

    // MARK: Close handshake

    @Test func answersAnEmptyCloseWithAnEmptyCloseAndIgnoresEverythingAfter() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.connectionClose, []), "close []")
        expect(&assembler, frame(.text, "late"), "none")
        expect(&assembler, frame(.ping, []), "none")
        #expect(!assembler.isOpen)
    }

    @Test func echoesTheCloseCodeWithoutTheReason() throws {
        var assembler = try makeAssembler()
        let action = assembler.receive(frame(.connectionClose, closePayload(1000, Array("bye κόσμε".utf8))))
        #expect(action.summary == "close \(closePayload(1000))")
    }

    @Test func acceptsACloseReasonOf123Bytes() throws {
        var assembler = try makeAssembler()
        let action = assembler.receive(frame(.connectionClose, closePayload(1001, [UInt8](repeating: 0x2A, count: 123))))
        #expect(action.summary == "close \(closePayload(1001))")
    }

    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] as [UInt16])
    func echoesValidCloseCodes(_ code: UInt16) throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.connectionClose, closePayload(code)), "close \(closePayload(code))")
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func failsWithProtocolErrorOnInvalidCloseCodes(_ code: UInt16) throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.connectionClose, closePayload(code)), "fail 1002")
    }

    @Test func failsWithProtocolErrorOnAOneByteClosePayload() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.connectionClose, [0x03]), "fail 1002")
    }

    @Test func failsWithInvalidDataOnACloseReasonThatIsNotUTF8() throws {
        var assembler = try makeAssembler()
        let reason: [UInt8] = [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65]
        expect(&assembler, frame(.connectionClose, closePayload(1000, reason)), "fail 1007")
    }

    @Test func failsWithInvalidDataOnACloseReasonEndingInsideACodePoint() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.connectionClose, closePayload(1000, [0x41, 0xE2, 0x82])), "fail 1007")
    }

    @Test func afterSendingCloseIgnoresDataAndClosesOnThePeersClose() throws {
        var assembler = try makeAssembler()
        let first = assembler.closeInitiated()
        let second = assembler.closeInitiated()
        #expect(first)
        #expect(!second)
        expect(&assembler, frame(.text, "ignored"), "none")
        expect(&assembler, frame(.ping, [1]), "none")
        expect(&assembler, frame(.connectionClose, closePayload(1000)), "closeConnection")
        expect(&assembler, frame(.connectionClose, closePayload(1000)), "none")
    }

    // MARK: Rejection rules (one test per rule)

    @Test func failsOnRSV1WithoutPermessageDeflate() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, [0x41], rsv1: true), "fail 1002")
    }

    @Test func failsOnRSV2() throws {
        var assembler = try makeAssembler(deflate: .init())
        expect(&assembler, frame(.text, [0x41], rsv2: true), "fail 1002")
    }

    @Test func failsOnRSV3() throws {
        var assembler = try makeAssembler(deflate: .init())
        expect(&assembler, frame(.binary, [0x41], rsv3: true), "fail 1002")
    }

    @Test func failsOnRSV1OnAControlFrameEvenWithPermessageDeflate() throws {
        var assembler = try makeAssembler(deflate: .init())
        expect(&assembler, frame(.ping, [], rsv1: true), "fail 1002")
    }

    @Test func failsOnRSV1OnAContinuationFrame() throws {
        var assembler = try makeAssembler(deflate: .init())
        expect(&assembler, frame(.text, "a", fin: false), "none")
        expect(&assembler, frame(.continuation, Array("b".utf8), rsv1: true), "fail 1002")
    }

    @Test(arguments: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func failsOnReservedOpcodes(_ code: UInt8) throws {
        var assembler = try makeAssembler()
        let opcode = WebSocketOpcode(encodedWebSocketOpcode: code)!
        expect(&assembler, frame(opcode, []), "fail 1002")
    }

    @Test func failsOnAContinuationWithNothingToContinue() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.continuation, "x"), "fail 1002")
    }

    @Test func failsOnANewDataMessageWhileAFragmentedOneIsOpen() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, "a", fin: false), "none")
        expect(&assembler, frame(.text, "b"), "fail 1002")
    }

    @Test func failsOnAFragmentedControlFrame() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.ping, [1], fin: false), "fail 1002")
    }

    @Test func failsOnAControlFrameLongerThan125Bytes() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.ping, [UInt8](repeating: 0, count: 126)), "fail 1002")
    }

    @Test func failsOnATextMessageThatIsNotUTF8() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, [0x41, 0xC0, 0xAF]), "fail 1007")
    }

    @Test func failsFastOnTheFirstFragmentThatProvesTheTextInvalid() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, Array("κόσμε".utf8), fin: false), "none")
        // 0xF4 0x90 is above U+10FFFF: invalid before the sequence or the message ends.
        expect(&assembler, frame(.continuation, [0xF4], fin: false), "none")
        expect(&assembler, frame(.continuation, [0x90], fin: false), "fail 1007")
    }

    @Test func failsOnATextMessageEndingInsideACodePoint() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.text, [0x41, 0xE2, 0x82], fin: false), "none")
        expect(&assembler, frame(.continuation, []), "fail 1007")
    }

    @Test func failsOnASingleFrameMessageLargerThanTheLimit() throws {
        var assembler = try makeAssembler(maxMessageSize: 4)
        expect(&assembler, frame(.binary, [1, 2, 3, 4]), deliver(.binary, [1, 2, 3, 4]))
        expect(&assembler, frame(.binary, [1, 2, 3, 4, 5]), "fail 1009")
    }

    @Test func failsOnTheFragmentThatTakesAMessageOverTheLimit() throws {
        var assembler = try makeAssembler(maxMessageSize: 4)
        expect(&assembler, frame(.binary, [1, 2, 3], fin: false), "none")
        expect(&assembler, frame(.continuation, [4, 5], fin: false), "fail 1009")
    }

    @Test func ignoresEverythingAfterFailing() throws {
        var assembler = try makeAssembler()
        expect(&assembler, frame(.continuation, "x"), "fail 1002")
        #expect(!assembler.isOpen)
        expect(&assembler, frame(.text, "y"), "none")
        expect(&assembler, frame(.connectionClose, closePayload(1000)), "none")
    }

    // MARK: permessage-deflate (RFC 7692 §7.2.3 examples)

    @Test func inflatesACompressedMessageInOneFrame() throws {
        var assembler = try makeAssembler(deflate: .init())
        let hello = [UInt8](hex: "f2 48 cd c9 c9 07 00")
        expect(&assembler, frame(.text, hello, rsv1: true), deliver(.text, "Hello"))
    }

    @Test func inflatesACompressedMessageSplitIntoFragments() throws {
        var assembler = try makeAssembler(deflate: .init())
        expect(&assembler, frame(.text, [0xF2, 0x48, 0xCD], fin: false, rsv1: true), "none")
        expect(&assembler, frame(.continuation, [0xC9, 0xC9, 0x07, 0x00]), deliver(.text, "Hello"))
    }

    @Test func usesTheSlidingWindowOfEarlierMessagesWithContextTakeover() throws {
        var assembler = try makeAssembler(deflate: .init())
        expect(&assembler, frame(.text, [UInt8](hex: "f2 48 cd c9 c9 07 00"), rsv1: true), deliver(.text, "Hello"))
        expect(&assembler, frame(.text, [UInt8](hex: "f2 00 11 00 00"), rsv1: true), deliver(.text, "Hello"))
    }

    @Test func inflatesAStoredBlockAndAcceptsUncompressedMessagesToo() throws {
        var assembler = try makeAssembler(deflate: .init())
        let stored = [UInt8](hex: "00 05 00 fa ff 48 65 6c 6c 6f 00")
        expect(&assembler, frame(.text, stored, rsv1: true), deliver(.text, "Hello"))
        expect(&assembler, frame(.text, "plain"), deliver(.text, "plain"))
    }

    @Test func carriesOnAfterABlockWithBFINALSet() throws {
        var assembler = try makeAssembler(deflate: .init())
        let final = [UInt8](hex: "f3 48 cd c9 c9 07 00 00")
        expect(&assembler, frame(.text, final, rsv1: true), deliver(.text, "Hello"))
        expect(&assembler, frame(.text, [UInt8](hex: "f2 48 cd c9 c9 07 00"), rsv1: true), deliver(.text, "Hello"))
    }

    @Test func resetsTheDecompressorAfterEachMessageWithClientNoContextTakeover() throws {
        var assembler = try makeAssembler(deflate: .init(clientNoContextTakeover: true))
        expect(&assembler, frame(.text, [UInt8](hex: "f2 48 cd c9 c9 07 00"), rsv1: true), deliver(.text, "Hello"))
        // A back-reference into the previous message cannot resolve in a fresh window.
        expect(&assembler, frame(.text, [UInt8](hex: "f2 00 11 00 00"), rsv1: true), "fail 1007")
    }

    @Test func failsOnCompressedTextThatInflatesToInvalidUTF8() throws {
        var assembler = try makeAssembler(deflate: .init())
        let deflater = try PerMessageDeflater(configuration: .init())
        let compressed = try deflater.compress(ByteBuffer(bytes: [0x41, 0xED, 0xA0, 0x80]), allocator: .init())
        expect(&assembler, frame(.text, Array(compressed.readableBytesView), rsv1: true), "fail 1007")
    }

    @Test func failsOnCorruptCompressedData() throws {
        var assembler = try makeAssembler(deflate: .init())
        expect(&assembler, frame(.binary, [0xFF, 0xFF, 0xFF, 0xFF], rsv1: true), "fail 1007")
    }

    @Test func stopsInflatingADecompressionBombAtTheLimit() throws {
        let limit = 64 * 1024
        var assembler = try makeAssembler(maxMessageSize: limit, deflate: .init())
        let deflater = try PerMessageDeflater(configuration: .init(compressionLevel: 9))
        let bomb = try deflater.compress(ByteBuffer(repeating: 0, count: 16 * 1024 * 1024), allocator: .init())
        #expect(bomb.readableBytes < 32 * 1024)
        expect(&assembler, frame(.binary, Array(bomb.readableBytesView), rsv1: true), "fail 1009")
    }

    @Test func acceptsACompressedMessageOfExactlyTheLimit() throws {
        let limit = 100_000
        var assembler = try makeAssembler(maxMessageSize: limit, deflate: .init())
        let deflater = try PerMessageDeflater(configuration: .init())
        let payload = ByteBuffer(repeating: 0x61, count: limit)
        let compressed = try deflater.compress(payload, allocator: .init())
        let action = assembler.receive(frame(.text, Array(compressed.readableBytesView), rsv1: true))
        guard case .deliver(let message) = action else {
            Issue.record("expected a message, got \(action.summary)")
            return
        }
        #expect(message.data == payload)
    }
}
