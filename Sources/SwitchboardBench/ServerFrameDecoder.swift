import NIOCore

/// One WebSocket frame from the server; `payload` is a slice of the inbound bytes (no copy).
struct ServerFrame: Hashable, Sendable {
    /// FIN bit.
    var fin: Bool
    /// The frame's opcode.
    var opcode: WebSocketOpcode
    /// The (unmasked) payload.
    var payload: ByteBuffer
}

/// Decodes server-to-client WebSocket frames (RFC 6455 §5.2) from `inout ByteBuffer`.
///
/// Returns `nil` when more bytes are needed. Rejects (RFC 6455 §5.1, §5.2, §5.5): masked server
/// frames, reserved bits (no extension is negotiated), unknown opcodes, fragmented or oversized
/// control frames, non-minimal 64-bit lengths with the top bit set, and frames above `maxFrameSize`
/// (checked from the header, before buffering the payload).
struct ServerFrameDecoder: Sendable {
    /// The largest payload accepted, in bytes.
    var maxFrameSize: Int

    init(maxFrameSize: Int = 16 * 1024 * 1024) {
        self.maxFrameSize = maxFrameSize
    }

    func next(_ buffer: inout ByteBuffer) throws(BenchError) -> ServerFrame? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
              let second = buffer.getInteger(at: start + 1, as: UInt8.self)
        else { return nil }
        guard first & 0x70 == 0 else { throw BenchError(.badFrame, "reserved bits set without an extension") }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
            throw BenchError(.badFrame, "unknown opcode \(first & 0x0F)")
        }
        let fin = first & 0x80 != 0
        guard second & 0x80 == 0 else { throw BenchError(.badFrame, "server frames must not be masked") }
        var headerLength = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = Int(extended)
            headerLength = 4
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            guard extended >> 63 == 0 else { throw BenchError(.badFrame, "64-bit length with the top bit set") }
            guard extended <= UInt64(maxFrameSize) else {
                throw BenchError(.badFrame, "frame of \(extended) bytes exceeds \(maxFrameSize)")
            }
            length = Int(extended)
            headerLength = 10
        }
        if opcode.isControl {
            guard fin else { throw BenchError(.badFrame, "fragmented control frame") }
            guard length <= 125 else { throw BenchError(.badFrame, "control frame payload over 125 bytes") }
        }
        guard length <= maxFrameSize else {
            throw BenchError(.badFrame, "frame of \(length) bytes exceeds \(maxFrameSize)")
        }
        guard buffer.readableBytes >= headerLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headerLength)
        let payload = buffer.readSlice(length: length)!
        return ServerFrame(fin: fin, opcode: opcode, payload: payload)
    }
}

/// Joins fragmented data messages (RFC 6455 §5.4): a text or binary frame without FIN, then
/// continuation frames up to one with FIN. Control frames may interleave and are not passed here.
struct MessageReassembler: Sendable {
    private var pending: ByteBuffer?
    private var pendingOpcode: WebSocketOpcode = .text
    /// The largest reassembled message accepted, in bytes.
    var maxMessageSize: Int

    init(maxMessageSize: Int = 16 * 1024 * 1024) {
        self.maxMessageSize = maxMessageSize
    }

    /// Feeds a data frame; returns the complete message (opcode text or binary) when one is done.
    mutating func feed(_ frame: ServerFrame) throws(BenchError) -> (WebSocketOpcode, ByteBuffer)? {
        switch frame.opcode {
        case .text, .binary:
            guard pending == nil else { throw BenchError(.badFrame, "new data frame inside a fragmented message") }
            if frame.fin { return (frame.opcode, frame.payload) }
            pending = frame.payload
            pendingOpcode = frame.opcode
            return nil
        case .continuation:
            guard var message = pending else { throw BenchError(.badFrame, "continuation frame without a message") }
            pending = nil
            guard message.readableBytes + frame.payload.readableBytes <= maxMessageSize else {
                throw BenchError(.badFrame, "message exceeds \(maxMessageSize) bytes")
            }
            var piece = frame.payload
            message.writeBuffer(&piece)
            if frame.fin { return (pendingOpcode, message) }
            pending = message
            return nil
        case .close, .ping, .pong:
            preconditionFailure("control frames are handled before reassembly")
        }
    }
}
