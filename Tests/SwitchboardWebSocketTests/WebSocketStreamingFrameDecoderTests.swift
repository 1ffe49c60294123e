import NIOCore
import NIOEmbedded
import NIOWebSocket
import SwitchboardTestSupport
import Testing

@testable import SwitchboardWebSocket

/// Client frame bytes: masked with `key`, with the shortest length encoding unless `longLength`.
func clientFrameBytes(
    _ firstByte: UInt8,
    _ payload: [UInt8],
    key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D],
    longLength: Bool = false,
    masked: Bool = true
) -> [UInt8] {
    var bytes: [UInt8] = [firstByte]
    let maskBit: UInt8 = masked ? 0x80 : 0
    if longLength || payload.count > 0xFFFF {
        bytes.append(maskBit | 127)
        bytes += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (8 * UInt64($0))) & 0xFF) }
    } else if payload.count < 126 {
        bytes.append(maskBit | UInt8(payload.count))
    } else {
        bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    }
    if !masked { return bytes + payload }
    return bytes + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
}

@Suite struct WebSocketFrameStreamParserTests {
    /// Feeds `chunks` one after another and collects the frames, described.
    func parse(_ chunks: [[UInt8]]) throws(WebSocketError) -> [String] {
        var parser = WebSocketFrameStreamParser()
        var buffer = ByteBuffer()
        var frames: [String] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let frame = try parser.next(&buffer) {
                frames.append(WebSocketMessageHandlerTests.describe(frame))
            }
        }
        return frames
    }

    @Test func passesOnAWholeFrameAsOneFrame() throws {
        let frames = try parse([[UInt8](hex: "81 85 37 fa 21 3d 7f 9f 4d 51 58")])
        #expect(frames == ["fin WebSocketOpcode.text \(Array("Hello".utf8))"])
    }

    @Test func passesOnAFrameArrivingByteByByteInPiecesThatSayTheSame() throws {
        let bytes = clientFrameBytes(0xC1, Array("Hello".utf8))  // FIN, RSV1, text
        let frames = try parse(bytes.map { [$0] })
        #expect(
            frames == [
                "rsv1 WebSocketOpcode.text \(Array("H".utf8))",
                "WebSocketOpcode.continuation \(Array("e".utf8))",
                "WebSocketOpcode.continuation \(Array("l".utf8))",
                "WebSocketOpcode.continuation \(Array("l".utf8))",
                "fin WebSocketOpcode.continuation \(Array("o".utf8))",
            ]
        )
    }

    @Test func keepsANonFinalFrameNonFinalInEveryPiece() throws {
        let bytes = clientFrameBytes(0x02, [1, 2, 3, 4, 5, 6])
        let frames = try parse([Array(bytes.prefix(9)), Array(bytes.dropFirst(9))])
        #expect(frames == ["WebSocketOpcode.binary [1, 2, 3]", "WebSocketOpcode.continuation [4, 5, 6]"])
    }

    @Test func readsSixteenAndSixtyFourBitLengths() throws {
        let payload = (0..<300).map { UInt8($0 & 0xFF) }
        #expect(try parse([clientFrameBytes(0x82, payload)]) == ["fin WebSocketOpcode.binary \(payload)"])
        #expect(try parse([clientFrameBytes(0x82, payload, longLength: true)]) == ["fin WebSocketOpcode.binary \(payload)"])
    }

    @Test func passesOnEmptyFramesAtOnce() throws {
        #expect(try parse([clientFrameBytes(0x81, [])]) == ["fin WebSocketOpcode.text []"])
        #expect(try parse([clientFrameBytes(0x89, [])]) == ["fin WebSocketOpcode.ping []"])
    }

    @Test func holdsAControlFrameUntilItIsComplete() throws {
        let bytes = clientFrameBytes(0x89, [1, 2, 3])
        var parser = WebSocketFrameStreamParser()
        var buffer = ByteBuffer(bytes: bytes.dropLast())
        #expect(try parser.next(&buffer) == nil)
        buffer.writeBytes(bytes.suffix(1))
        let frame = try #require(try parser.next(&buffer))
        #expect(WebSocketMessageHandlerTests.describe(frame) == "fin WebSocketOpcode.ping [1, 2, 3]")
    }

    @Test func rejectsAnUnmaskedFrame() {
        #expect(throws: WebSocketError.self) { try self.parse([clientFrameBytes(0x81, [0x41], masked: false)]) }
    }

    @Test func rejectsA64BitLengthWithTheTopBitSet() {
        let bytes: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]
        #expect(throws: WebSocketError.self) { try self.parse([bytes]) }
    }

    @Test func rejectsAFragmentedControlFrame() {
        #expect(throws: WebSocketError.self) { try self.parse([clientFrameBytes(0x09, [])]) }
    }

    @Test func rejectsAControlFrameLongerThan125Bytes() {
        #expect(throws: WebSocketError.self) { try self.parse([clientFrameBytes(0x89, [UInt8](repeating: 0, count: 126))]) }
    }

    /// Segmentation: however the stream is cut, the assembler sees the same messages.
    @Test func yieldsTheSameMessagesWhereverTheStreamIsCut() throws {
        var generator = SeededGenerator(seed: 7)
        var stream: [UInt8] = []
        var expected: [WebSocketMessage] = []
        for index in 0..<30 {
            let message = WebSocketMessageRoundTripTests.randomMessage(&generator)
            expected.append(message)
            let pieces = WebSocketMessageRoundTripTests.fragments(message.data, &generator)
            for (pieceIndex, piece) in pieces.enumerated() {
                let opcode: UInt8 = pieceIndex > 0 ? 0x0 : message.kind == .text ? 0x1 : 0x2
                let fin: UInt8 = pieceIndex == pieces.count - 1 ? 0x80 : 0
                let key = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
                stream += clientFrameBytes(fin | opcode, Array(piece.readableBytesView), key: key, longLength: index % 7 == 0)
                if index % 3 == 0 { stream += clientFrameBytes(0x89, [UInt8(index)], key: key) }
            }
        }
        for _ in 0..<30 {
            var parser = WebSocketFrameStreamParser()
            var assembler = try WebSocketMessageAssembler(maxMessageSize: 1 << 20, deflate: nil)
            var buffer = ByteBuffer()
            var delivered: [WebSocketMessage] = []
            var remaining = stream[...]
            while !remaining.isEmpty {
                let cut = min(remaining.count, Int.random(in: 1...200, using: &generator))
                buffer.writeBytes(remaining.prefix(cut))
                remaining = remaining.dropFirst(cut)
                while let frame = try parser.next(&buffer) {
                    switch assembler.receive(frame) {
                    case .deliver(let message): delivered.append(message)
                    case .none, .sendPong: break
                    case let other: Issue.record("unexpected \(other.summary)")
                    }
                }
            }
            #expect(delivered == expected)
        }
    }
}

@Suite struct WebSocketStreamingDecoderChannelTests {
    func makeChannel(_ configuration: WebSocketConfiguration = .init()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let installed = channel.addWebSocketEchoHandlers(configuration: configuration)
        channel.embeddedEventLoop.run()  // the decoder's removal runs as an event loop task
        try installed.wait()
        return channel
    }

    @Test func replacesNIOsFrameDecoder() throws {
        let channel = try makeChannel()
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
        }
        _ = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<WebSocketStreamingFrameDecoder>.self)
    }

    @Test func leavesAPipelineWithoutNIOsDecoderAlone() throws {
        let channel = EmbeddedChannel()
        try channel.useStreamingWebSocketFrameDecoder().wait()
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<WebSocketStreamingFrameDecoder>.self)
        }
    }

    @Test func echoesAMessageThatArrivesInChops() throws {
        let channel = try makeChannel()
        let bytes = clientFrameBytes(0x81, Array("Hello, κόσμε".utf8))
        for byte in bytes {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(try outboundBytes(channel) == [0x81, UInt8("Hello, κόσμε".utf8.count)] + Array("Hello, κόσμε".utf8))
    }

    @Test func failsFastInsideAFrameThatIsStillArriving() throws {
        let channel = try makeChannel()
        // Autobahn 6.4.3: one frame, whose invalid bytes (F4 90: above U+10FFFF) come in an early chop.
        let payload = Array("κόσμε".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("edited".utf8)
        let bytes = clientFrameBytes(0x81, payload)
        let firstChop = bytes.count - 6 - 2  // up to the 0x90, without the rest
        #expect(throws: WebSocketError.self) { try channel.writeInbound(ByteBuffer(bytes: bytes.prefix(firstChop))) }
        #expect(try outboundBytes(channel) == [0x88, 0x02, 0x03, 0xEF])
        #expect(!channel.isActive)
    }

    @Test func failsAnOversizedMessageBeforeItsFrameIsComplete() throws {
        let channel = try makeChannel(.init(maxMessageSize: 1000))
        let bytes = clientFrameBytes(0x82, [UInt8](repeating: 1, count: 100_000))
        #expect(throws: WebSocketError.self) { try channel.writeInbound(ByteBuffer(bytes: bytes.prefix(2000))) }
        #expect(try outboundBytes(channel) == [0x88, 0x02, 0x03, 0xF1])
    }

    @Test func answersAnUnmaskedFrameWithProtocolError() throws {
        let channel = try makeChannel()
        #expect(throws: WebSocketError.self) {
            try channel.writeInbound(ByteBuffer(bytes: clientFrameBytes(0x81, [0x41], masked: false)))
        }
        #expect(try outboundBytes(channel) == [0x88, 0x02, 0x03, 0xEA])
        #expect(!channel.isActive)
    }
}
