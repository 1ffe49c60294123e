import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import SwitchboardWebSocket

@Suite struct WebSocketMessageHandlerTests {
    /// An echo endpoint on an embedded channel, fed with frames (as after NIO's decoder).
    func makeEchoChannel(_ configuration: WebSocketConfiguration = .init()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addWebSocketEchoHandlers(configuration: configuration)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    func outboundFrames(_ channel: EmbeddedChannel) throws -> [String] {
        var frames: [String] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            frames.append(Self.describe(frame))
        }
        return frames
    }

    static func describe(_ frame: WebSocketFrame) -> String {
        "\(frame.fin ? "fin " : "")\(frame.rsv1 ? "rsv1 " : "")\(frame.opcode) \(Array(frame.data.readableBytesView))"
    }

    @Test func echoesATextMessageWithItsOpcode() throws {
        let channel = try makeEchoChannel()
        try channel.writeInbound(frame(.text, "Hello"))
        #expect(try outboundFrames(channel) == ["fin WebSocketOpcode.text \(Array("Hello".utf8))"])
    }

    @Test func echoesAFragmentedBinaryMessageAsOneFrame() throws {
        let channel = try makeEchoChannel()
        try channel.writeInbound(frame(.binary, [1, 2], fin: false))
        try channel.writeInbound(frame(.continuation, [3]))
        #expect(try outboundFrames(channel) == ["fin WebSocketOpcode.binary [1, 2, 3]"])
    }

    @Test func answersAPingBetweenFragmentsBeforeTheEcho() throws {
        let channel = try makeEchoChannel()
        try channel.writeInbound(frame(.text, "a", fin: false))
        try channel.writeInbound(frame(.ping, [7]))
        try channel.writeInbound(frame(.continuation, "b"))
        #expect(
            try outboundFrames(channel) == [
                "fin WebSocketOpcode.pong [7]", "fin WebSocketOpcode.text \(Array("ab".utf8))",
            ]
        )
    }

    @Test func repliesToACloseWithItsCodeAndClosesTheConnection() throws {
        let channel = try makeEchoChannel()
        try channel.writeInbound(frame(.connectionClose, closePayload(1001, Array("bye".utf8))))
        #expect(try outboundFrames(channel) == ["fin WebSocketOpcode.connectionClose \(closePayload(1001))"])
        #expect(!channel.isActive)
    }

    @Test func failsTheConnectionWith1007OnInvalidText() throws {
        let channel = try makeEchoChannel()
        let error = #expect(throws: WebSocketError.self) { try channel.writeInbound(frame(.text, [0xC0, 0xAF])) }
        #expect(error?.code == .invalidUTF8)
        #expect(try outboundFrames(channel) == ["fin WebSocketOpcode.connectionClose \(closePayload(1007))"])
        #expect(!channel.isActive)
    }

    @Test func answersFrameDecoderErrorsWithTheirCloseCodes() throws {
        for (error, code) in [(NIOWebSocketError.invalidFrameLength, 1009), (.multiByteControlFrameLength, 1002), (.fragmentedControlFrame, 1002)] as [(NIOWebSocketError, UInt16)] {
            let channel = try makeEchoChannel()
            channel.pipeline.fireErrorCaught(error)
            #expect(throws: NIOWebSocketError.self) { try channel.throwIfErrorCaught() }
            #expect(try outboundFrames(channel) == ["fin WebSocketOpcode.connectionClose \(closePayload(code))"])
            #expect(!channel.isActive)
        }
    }

    @Test func closeRequestSendsACloseAndWaitsForThePeersClose() throws {
        let channel = try makeEchoChannel()
        try channel.triggerUserOutboundEvent(WebSocketCloseRequest(code: 1001, reason: "restart")).wait()
        #expect(try outboundFrames(channel) == ["fin WebSocketOpcode.connectionClose \(closePayload(1001, Array("restart".utf8)))"])
        #expect(channel.isActive)
        try channel.writeInbound(frame(.text, "ignored"))
        #expect(try outboundFrames(channel) == [])
        try channel.writeInbound(frame(.connectionClose, closePayload(1001)))
        #expect(try outboundFrames(channel) == [])
        #expect(!channel.isActive)
    }

    @Test func closeRequestClosesAfterTheTimeoutIfThePeerNeverAnswers() throws {
        let channel = try makeEchoChannel(.init(closeTimeout: .seconds(2)))
        try channel.triggerUserOutboundEvent(WebSocketCloseRequest()).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func refusesToWriteMessagesAfterTheCloseHandshakeStarted() throws {
        let channel = try makeEchoChannel()
        try channel.triggerUserOutboundEvent(WebSocketCloseRequest()).wait()
        _ = try outboundFrames(channel)
        #expect(throws: ChannelError.self) {
            try channel.writeAndFlush(WebSocketMessage.text("late")).wait()
        }
    }

    @Test func closesWhenThePeerHalfClosesItsSide() throws {
        let channel = try makeEchoChannel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!channel.isActive)
    }

    @Test func compressesEchoesWhenPermessageDeflateIsInUse() throws {
        let channel = try makeEchoChannel(.init(deflate: .init()))
        try channel.writeInbound(frame(.text, [UInt8](hex: "f2 48 cd c9 c9 07 00"), rsv1: true))
        try channel.writeInbound(frame(.text, "Hello"))
        try channel.writeInbound(frame(.binary, []))
        #expect(
            try outboundFrames(channel) == [
                "fin rsv1 WebSocketOpcode.text \([UInt8](hex: "f2 48 cd c9 c9 07 00"))",
                "fin rsv1 WebSocketOpcode.text \([UInt8](hex: "f2 00 11 00 00"))",
                "fin WebSocketOpcode.binary []",  // empty messages go uncompressed
            ]
        )
    }

    @Test func flushesOncePerReadBatch() throws {
        let channel = try makeEchoChannel()
        let counter = FlushCounter()
        try channel.pipeline.syncOperations.addHandler(counter, position: .first)
        channel.pipeline.fireChannelRead(frame(.text, "a"))
        channel.pipeline.fireChannelRead(frame(.ping, []))
        channel.pipeline.fireChannelRead(frame(.text, "b"))
        #expect(counter.flushes == 0)
        channel.pipeline.fireChannelReadComplete()
        #expect(counter.flushes == 2)  // one from the message handler (pong), one from the echo handler
        #expect(try outboundFrames(channel).count == 3)
    }
}

/// Counts flushes that reach the head of the pipeline.
final class FlushCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    var flushes = 0
    func flush(context: ChannelHandlerContext) {
        self.flushes += 1
        context.flush()
    }
}

/// The echo endpoint behind NIO's real frame decoder and encoder: bytes in, bytes out.
@Suite struct WebSocketEchoWireTests {
    func makeChannel(maxFrameSize: Int = 1 << 20, configuration: WebSocketConfiguration = .init()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrameSize)))
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        try channel.pipeline.syncOperations.addWebSocketEchoHandlers(configuration: configuration)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// A masked client frame.
    func clientFrame(_ firstByte: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        ByteBuffer(bytes: clientFrameBytes(firstByte, payload))
    }

    @Test func echoesTheRFC6455MaskedHelloExactly() throws {
        let channel = try makeChannel()
        // RFC 6455 §5.7: a masked "Hello" from the client.
        try channel.writeInbound(ByteBuffer(bytes: [UInt8](hex: "81 85 37 fa 21 3d 7f 9f 4d 51 58")))
        #expect(try outboundBytes(channel) == [UInt8](hex: "81 05 48 65 6c 6c 6f"))
    }

    @Test func echoesFragmentedTextWithAPingInBetween() throws {
        let channel = try makeChannel()
        try channel.writeInbound(clientFrame(0x01, Array("Hel".utf8)))
        try channel.writeInbound(clientFrame(0x89, [0x21]))
        try channel.writeInbound(clientFrame(0x80, Array("lo".utf8)))
        #expect(try outboundBytes(channel) == [0x8A, 0x01, 0x21] + [UInt8](hex: "81 05 48 65 6c 6c 6f"))
    }

    @Test func echoesA300ByteBinaryMessageWithA16BitLength() throws {
        let channel = try makeChannel()
        let payload = (0..<300).map { UInt8($0 & 0xFF) }
        try channel.writeInbound(clientFrame(0x82, payload))
        #expect(try outboundBytes(channel) == [0x82, 126, 0x01, 0x2C] + payload)
    }

    @Test func answersAPingLongerThan125BytesWithProtocolError() throws {
        let channel = try makeChannel()
        #expect(throws: NIOWebSocketError.self) {
            try channel.writeInbound(self.clientFrame(0x89, [UInt8](repeating: 0, count: 126)))
        }
        #expect(try outboundBytes(channel) == [0x88, 0x02, 0x03, 0xEA])
        #expect(!channel.isActive)
    }

    @Test func answersAFrameAboveTheDecoderLimitWithMessageTooBig() throws {
        let channel = try makeChannel(maxFrameSize: 100)
        #expect(throws: NIOWebSocketError.self) {
            try channel.writeInbound(self.clientFrame(0x82, [UInt8](repeating: 0, count: 200)))
        }
        #expect(try outboundBytes(channel) == [0x88, 0x02, 0x03, 0xF1])
    }

    @Test func answersRSV1WithoutDeflateWithProtocolError() throws {
        let channel = try makeChannel()
        #expect(throws: WebSocketError.self) { try channel.writeInbound(self.clientFrame(0xC1, Array("Hi".utf8))) }
        #expect(try outboundBytes(channel) == [0x88, 0x02, 0x03, 0xEA])
        #expect(!channel.isActive)
    }

    @Test func echoesTheCloseCodeOnTheWire() throws {
        let channel = try makeChannel()
        try channel.writeInbound(clientFrame(0x88, [0x03, 0xE8] + Array("done".utf8)))
        #expect(try outboundBytes(channel) == [0x88, 0x02, 0x03, 0xE8])
        #expect(!channel.isActive)
    }

    @Test func echoesACompressedMessageCompressed() throws {
        let channel = try makeChannel(configuration: .init(deflate: .init()))
        try channel.writeInbound(clientFrame(0xC1, [UInt8](hex: "f2 48 cd c9 c9 07 00")))
        #expect(try outboundBytes(channel) == [UInt8](hex: "c1 07 f2 48 cd c9 c9 07 00"))
    }
}

@Suite struct WebSocketClosePayloadTests {
    @Test func keepsAShortReasonWhole() {
        let payload = WebSocketMessageHandler.closePayload(code: 1000, reason: "bye", allocator: .init())
        #expect(Array(payload.readableBytesView) == closePayload(1000, Array("bye".utf8)))
    }

    @Test func cutsALongReasonAtACodePointBoundaryWithin125Bytes() {
        for prefixLength in 0..<4 {
            let reason = String(repeating: "a", count: prefixLength) + String(repeating: "€", count: 60)
            let payload = WebSocketMessageHandler.closePayload(code: 1001, reason: reason, allocator: .init())
            #expect(payload.readableBytes <= 125)
            #expect(payload.readableBytes >= 123)
            let reasonBytes = Array(payload.readableBytesView.dropFirst(2))
            #expect(String(validating: reasonBytes, as: UTF8.self) != nil, "prefix \(prefixLength)")
        }
    }
}

@Suite struct WebSocketCompressionThresholdTests {
    @Test func sendsMessagesBelowTheThresholdUncompressed() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addWebSocketEchoHandlers(
            configuration: .init(deflate: .init(), compressionThreshold: 6)
        )
        try channel.writeInbound(frame(.text, "Hello"))
        try channel.writeInbound(frame(.text, "Hello!"))
        let small = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        let large = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(!small.rsv1)
        #expect(small.data == ByteBuffer(string: "Hello"))
        #expect(large.rsv1)
    }
}
