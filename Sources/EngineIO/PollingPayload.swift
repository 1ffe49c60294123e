import NIOCore

/// The HTTP long-polling payload: packets joined by the record separator `0x1e`, binary messages as `b<base64>`.
public enum PollingPayload {
    /// The record separator between packets.
    public static let separator: UInt8 = 0x1E

    /// Decodes a complete POST body into its packets, in order.
    ///
    /// - Parameters:
    ///   - body: the request body.
    ///   - maxPayload: the largest accepted body, in bytes; a longer body is rejected before decoding.
    /// - Throws: ``EngineDecodingError`` naming the first rule the body breaks.
    public static func decode(_ body: ByteBuffer, maxPayload: Int) throws(EngineDecodingError) -> [EnginePacket] {
        guard body.readableBytes <= maxPayload else { throw EngineDecodingError(.payloadTooLarge) }
        guard body.readableBytes > 0 else { throw EngineDecodingError(.emptyPayload) }
        var packets: [EnginePacket] = []
        var rest = body
        while true {
            let segment: ByteBuffer
            if let index = rest.readableBytesView.firstIndex(of: separator) {
                let length = index - rest.readerIndex
                segment = rest.readSlice(length: length)!
                rest.moveReaderIndex(forwardBy: 1)
                packets.append(try decodeSegment(segment))
            } else {
                packets.append(try decodeSegment(rest))
                return packets
            }
        }
    }

    static func decodeSegment(_ segment: ByteBuffer) throws(EngineDecodingError) -> EnginePacket {
        guard let first = segment.getInteger(at: segment.readerIndex, as: UInt8.self) else {
            throw EngineDecodingError(.emptyPacket)
        }
        if first == UInt8(ascii: "b") {
            guard let bytes = Base64.decode(segment.getSlice(at: segment.readerIndex + 1, length: segment.readableBytes - 1)!)
            else { throw EngineDecodingError(.invalidBase64) }
            return .message(.binary(bytes))
        }
        return try EnginePacket.decodeText(segment)
    }

    /// Encodes packets as one payload body.
    public static func encode(_ packets: some Sequence<EnginePacket>, allocator: ByteBufferAllocator) -> ByteBuffer {
        encode(packets.lazy.map { EngineOutboundPacket.control($0) }, allocator: allocator)
    }

    /// Encodes queued outbound packets as one payload body.
    public static func encode(_ packets: some Sequence<EngineOutboundPacket>, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        var first = true
        for packet in packets {
            if !first { buffer.writeInteger(separator) }
            first = false
            packet.encodeForPolling(into: &buffer)
        }
        return buffer
    }
}

/// A packet waiting to be sent: a heartbeat or control packet, or a pre-encoded message.
public enum EngineOutboundPacket: Sendable, Equatable {
    /// A control packet (ping, pong, noop, close, open).
    case control(EnginePacket)
    /// A message prepared once for every transport.
    case message(OutboundEngineMessage)

    /// Appends the polling encoding of the packet to `buffer`.
    public func encodeForPolling(into buffer: inout ByteBuffer) {
        switch self {
        case .control(let packet):
            packet.encodeForPolling(into: &buffer)
        case .message(let message):
            if message.isBinary {
                buffer.writeInteger(UInt8(ascii: "b"))
                Base64.encode(message.payload, into: &buffer)
            } else {
                buffer.writeInteger(EnginePacketType.message.rawValue)
                var copy = message.payload
                buffer.writeBuffer(&copy)
            }
        }
    }

    /// The complete WebSocket frame for this packet (shared bytes for a message).
    public func webSocketFrame(allocator: ByteBufferAllocator) -> ByteBuffer {
        switch self {
        case .control(let packet): packet.webSocketFrame(allocator: allocator)
        case .message(let message): message.webSocketFrame
        }
    }

    /// Two outbound packets are equal when they would put the same bytes on the wire.
    public static func == (lhs: EngineOutboundPacket, rhs: EngineOutboundPacket) -> Bool {
        switch (lhs, rhs) {
        case (.control(let left), .control(let right)): left == right
        case (.message(let left), .message(let right)): left.isBinary == right.isBinary && left.payload == right.payload
        default: false
        }
    }

    /// A ping.
    public static let ping = EngineOutboundPacket.control(.ping(ByteBuffer()))
    /// A noop.
    public static let noop = EngineOutboundPacket.control(.noop)
    /// A close.
    public static let close = EngineOutboundPacket.control(.close)
}
