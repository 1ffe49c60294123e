import ClusterProtocol
import NIOCore
import SwitchboardTestSupport
import Testing

@Suite struct SessionForwardingCodecTests {
    static let edge = ClusterNodeID("edge-node-000001")

    static let samples: [SessionForwardingMessage] = [
        .pollingRequest(.init(edge: edge, requestID: 7, sid: "abcDEF123-_", isPost: false, body: ByteBuffer())),
        .pollingRequest(.init(edge: edge, requestID: .max, sid: "s", isPost: true, body: ByteBuffer(string: "4hello\u{1e}4é"))),
        .pollingResponse(.init(
            requestID: 7, status: 200,
            headers: [.init(name: "Content-Type", value: "text/plain; charset=UTF-8")], body: ByteBuffer(string: "6"))),
        .pollingResponse(.init(requestID: 1, status: 400, headers: [], body: ByteBuffer(string: #"{"code":1}"#))),
        .pollingAbort(edge: edge, requestID: 42),
        .webSocketOpen(edge: edge, streamID: 3, sid: "sid-1"),
        .webSocketInbound(edge: edge, streamID: 3, isBinary: false, data: ByteBuffer(string: "2probe")),
        .webSocketInbound(edge: edge, streamID: 3, isBinary: true, data: ByteBuffer(bytes: [0, 1, 255])),
        .webSocketOutbound(streamID: 3, frames: [ByteBuffer(bytes: [0x81, 1, 0x33]), ByteBuffer(bytes: [0x82, 0])]),
        .webSocketOutbound(streamID: 4, frames: []),
        .webSocketClosedByClient(edge: edge, streamID: 3),
        .webSocketClosedByOwner(streamID: 3),
    ]

    @Test(arguments: samples)
    func everyMessageSurvivesARoundTrip(_ message: SessionForwardingMessage) throws {
        let bytes = SessionForwardingCodec.encode(message)
        #expect(try SessionForwardingCodec.decode(bytes) == message)
    }

    @Test func randomMessagesSurviveARoundTrip() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        for _ in 0..<500 {
            let message = Self.randomMessage(using: &generator)
            #expect(try SessionForwardingCodec.decode(SessionForwardingCodec.encode(message)) == message)
        }
    }

    @Test func aPollingRequestHasTheDocumentedLayout() {
        let bytes = SessionForwardingCodec.encode(
            .pollingRequest(.init(edge: ClusterNodeID("E"), requestID: 2, sid: "S", isPost: true, body: ByteBuffer(string: "b"))))
        #expect(Array(bytes.readableBytesView) == [
            1, 1,  // version, kind
            0, 0, 0, 1, UInt8(ascii: "E"),
            0, 0, 0, 0, 0, 0, 0, 2,
            0, 0, 0, 1, UInt8(ascii: "S"),
            1,
            0, 0, 0, 1, UInt8(ascii: "b"),
        ])
    }

    @Test(arguments: samples)
    func everyTruncationIsRejected(_ message: SessionForwardingMessage) {
        let bytes = SessionForwardingCodec.encode(message)
        for length in 0..<bytes.readableBytes {
            let prefix = bytes.getSlice(at: bytes.readerIndex, length: length)!
            #expect(throws: ClusterDecodingError.self) { try SessionForwardingCodec.decode(prefix) }
        }
    }

    @Test func trailingBytesAreRejected() {
        var bytes = SessionForwardingCodec.encode(.webSocketClosedByOwner(streamID: 1))
        bytes.writeInteger(UInt8(0))
        #expect(Self.code(decoding: bytes) == .trailingBytes)
    }

    @Test func anotherVersionIsRejected() {
        var bytes = SessionForwardingCodec.encode(.webSocketClosedByOwner(streamID: 1))
        bytes.setInteger(UInt8(2), at: bytes.readerIndex)
        #expect(Self.code(decoding: bytes) == .unsupportedVersion)
    }

    @Test func anUnknownKindIsRejected() {
        #expect(Self.code(decoding: ByteBuffer(bytes: [1, 0])) == .unknownKind)
        #expect(Self.code(decoding: ByteBuffer(bytes: [1, 9])) == .unknownKind)
    }

    @Test func aFlagOtherThanZeroOrOneIsRejected() {
        var bytes = SessionForwardingCodec.encode(
            .webSocketInbound(edge: Self.edge, streamID: 1, isBinary: true, data: ByteBuffer()))
        // version, kind, edge (4 + 16), streamID (8), then the flag.
        bytes.setInteger(UInt8(2), at: bytes.readerIndex + 2 + 4 + 16 + 8)
        #expect(Self.code(decoding: bytes) == .invalidValue)
    }

    @Test func aStatusOutsideTheHTTPRangeIsRejected() {
        let bytes = SessionForwardingCodec.encode(.pollingResponse(.init(requestID: 1, status: 99, headers: [], body: ByteBuffer())))
        #expect(Self.code(decoding: bytes) == .invalidValue)
    }

    @Test func invalidUTF8InASessionIDIsRejected() {
        var bytes = SessionForwardingCodec.encode(.webSocketOpen(edge: ClusterNodeID("E"), streamID: 1, sid: "x"))
        bytes.setInteger(UInt8(0xFF), at: bytes.writerIndex - 1)
        #expect(Self.code(decoding: bytes) == .invalidUTF8)
    }

    @Test func aHugeHeaderCountIsRejectedBeforeAllocating() {
        var bytes = ByteBuffer(bytes: [1, 2])
        bytes.writeInteger(UInt64(1))
        bytes.writeInteger(UInt16(200))
        bytes.writeInteger(UInt32.max)
        #expect(Self.code(decoding: bytes) == .truncated)
    }

    static func code(decoding bytes: ByteBuffer) -> ClusterDecodingError.Code? {
        do {
            _ = try SessionForwardingCodec.decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    static func randomMessage(using generator: inout SeededGenerator) -> SessionForwardingMessage {
        func text() -> String {
            String((0..<Int(generator.next() % 12)).map { _ in "aZ9-_é€😀".randomElement(using: &generator)! })
        }
        func blob() -> ByteBuffer {
            ByteBuffer(bytes: (0..<Int(generator.next() % 40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
        let edge = ClusterNodeID(text())
        let id = generator.next()
        switch generator.next() % 8 {
        case 0: return .pollingRequest(.init(edge: edge, requestID: id, sid: text(), isPost: id % 2 == 0, body: blob()))
        case 1:
            let headers = (0..<Int(generator.next() % 4)).map { _ in SessionForwardingMessage.HeaderField(name: text(), value: text()) }
            return .pollingResponse(.init(requestID: id, status: 100 + Int(generator.next() % 500), headers: headers, body: blob()))
        case 2: return .pollingAbort(edge: edge, requestID: id)
        case 3: return .webSocketOpen(edge: edge, streamID: id, sid: text())
        case 4: return .webSocketInbound(edge: edge, streamID: id, isBinary: id % 2 == 1, data: blob())
        case 5: return .webSocketOutbound(streamID: id, frames: (0..<Int(generator.next() % 4)).map { _ in blob() })
        case 6: return .webSocketClosedByClient(edge: edge, streamID: id)
        default: return .webSocketClosedByOwner(streamID: id)
        }
    }
}
