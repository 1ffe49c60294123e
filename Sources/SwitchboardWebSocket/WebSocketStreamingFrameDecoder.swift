import NIOCore
import NIOWebSocket

/// Parses client frames from a byte stream and passes data frame payloads on as they arrive, in
/// pieces, instead of holding each frame until it is complete.
///
/// Each piece is a ``WebSocketFrame`` that says the same as the original frame: the first piece has
/// the frame's opcode and RSV bits, later pieces are continuation frames, and only the last piece
/// of a final frame has FIN set. The message assembler therefore sees the same message, but it can
/// reject invalid UTF-8 or an oversized message as soon as the offending bytes arrive (fail fast),
/// and no frame is ever buffered whole, whatever its declared length. Control frames (at most 125
/// bytes) are passed on whole. Payloads are unmasked.
///
/// Rejected: an unmasked frame (RFC 6455 §5.1: clients must mask), a 64-bit length with the most
/// significant bit set, a fragmented control frame or one longer than 125 bytes.
struct WebSocketFrameStreamParser {
    private enum State {
        case header
        /// Passing on the payload of a data frame.
        case payload(DataFrame)
    }

    private struct DataFrame {
        var firstByte: UInt8
        var maskKey: WebSocketMaskingKey
        var remaining: Int
        var offset: Int
    }

    private var state: State = .header

    init() {}

    /// The next frame or piece of a frame from `buffer`, or `nil` if more bytes are needed.
    mutating func next(_ buffer: inout ByteBuffer) throws(WebSocketError) -> WebSocketFrame? {
        switch self.state {
        case .header:
            return try self.parseHeader(&buffer)
        case .payload(var frame):
            guard buffer.readableBytes > 0 else { return nil }
            let length = min(buffer.readableBytes, frame.remaining)
            let piece = self.piece(of: &frame, from: &buffer, length: length)
            self.state = frame.remaining == 0 ? .header : .payload(frame)
            return piece
        }
    }

    private mutating func parseHeader(_ buffer: inout ByteBuffer) throws(WebSocketError) -> WebSocketFrame? {
        guard let header = WebSocketFrameHeader(at: buffer) else { return nil }
        guard let maskKey = header.maskKey else {
            throw .protocolViolation("unmasked frame from a client")
        }
        guard header.length & (1 << 63) == 0 else {
            throw .protocolViolation("64-bit payload length with the most significant bit set")
        }
        let firstByte = header.firstByte
        let isControl = header.isControl
        let length = Int(header.length)
        let headerLength = header.headerLength
        if isControl {
            guard header.isFinal else { throw .protocolViolation("fragmented control frame") }
            guard length <= 125 else { throw .protocolViolation("control frame payload longer than 125 bytes") }
        }

        if isControl {
            // Pass control frames on whole.
            guard buffer.readableBytes >= headerLength + length else { return nil }
            buffer.moveReaderIndex(forwardBy: headerLength)
            var payload = buffer.readSlice(length: length)!
            payload.webSocketUnmask(maskKey)
            return WebSocketFrame(firstByte: firstByte, data: payload)
        }
        buffer.moveReaderIndex(forwardBy: headerLength)
        var frame = DataFrame(firstByte: firstByte, maskKey: maskKey, remaining: length, offset: 0)
        if length > 0 && buffer.readableBytes == 0 {
            self.state = .payload(frame)
            return nil
        }
        let piece = self.piece(of: &frame, from: &buffer, length: min(buffer.readableBytes, length))
        self.state = frame.remaining == 0 ? .header : .payload(frame)
        return piece
    }

    /// The next `length` payload bytes of `frame` as a frame of their own.
    private func piece(of frame: inout DataFrame, from buffer: inout ByteBuffer, length: Int) -> WebSocketFrame {
        var payload = buffer.readSlice(length: length)!
        payload.webSocketUnmask(frame.maskKey, indexOffset: frame.offset % 4)
        let isFirstPiece = frame.offset == 0
        frame.offset += length
        frame.remaining -= length
        let isLastPiece = frame.remaining == 0
        var firstByte = frame.firstByte
        if !isFirstPiece {
            firstByte &= ~0x4F  // continuation opcode, no RSV1
        }
        if !isLastPiece {
            firstByte &= ~0x80  // not final yet
        }
        return WebSocketFrame(firstByte: firstByte, data: payload)
    }
}

extension WebSocketFrame {
    /// A frame with the flags and opcode of a header's first byte.
    init(firstByte: UInt8, data: ByteBuffer) {
        self.init(
            fin: firstByte & 0x80 != 0,
            rsv1: firstByte & 0x40 != 0,
            rsv2: firstByte & 0x20 != 0,
            rsv3: firstByte & 0x10 != 0,
            opcode: WebSocketOpcode(encodedWebSocketOpcode: firstByte & 0x0F)!,
            data: data
        )
    }
}

/// A frame decoder for server connections that passes data frames on in pieces as their bytes
/// arrive, so that ``WebSocketMessageHandler`` can fail a connection as soon as a message is proven
/// invalid or too large, without holding whole frames in memory. Use it in place of NIO's
/// `WebSocketFrameDecoder` (see `Channel.useStreamingWebSocketFrameDecoder()`).
///
/// Errors are ``WebSocketError``s with close code 1002; ``WebSocketMessageHandler`` answers them.
public struct WebSocketStreamingFrameDecoder: ByteToMessageDecoder {
    /// Pieces of frames; see the type's description.
    public typealias InboundOut = WebSocketFrame

    private var parser = WebSocketFrameStreamParser()

    /// Creates a decoder.
    public init() {}

    /// Passes on every frame or piece of a frame that `buffer` holds.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try self.parser.next(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Bytes left at EOF are an incomplete frame; they are dropped.
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
