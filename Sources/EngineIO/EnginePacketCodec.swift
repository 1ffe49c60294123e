import NIOCore
import SwitchboardJSON

extension EnginePacket {
    /// Decodes one text-encoded packet: a type digit followed by its data (a WebSocket text frame, or one
    /// segment of a polling payload without the `b` binary form).
    public static func decodeText(_ bytes: ByteBuffer) throws(EngineDecodingError) -> EnginePacket {
        var data = bytes
        guard let first: UInt8 = data.readInteger() else { throw EngineDecodingError(.emptyPacket) }
        guard let type = EnginePacketType(rawValue: first) else { throw EngineDecodingError(.unknownPacketType) }
        switch type {
        case .open: return .open(data)
        case .close: return .close
        case .ping: return .ping(data)
        case .pong: return .pong(data)
        case .message:
            guard UTF8Validation.isValid(data) else { throw EngineDecodingError(.invalidUTF8) }
            return .message(.text(data))
        case .upgrade: return .upgrade
        case .noop: return .noop
        }
    }

    /// Appends the text encoding of the packet (type digit then data) to `buffer`.
    /// A binary message is written in the polling form `b<base64>`.
    public func encodeForPolling(into buffer: inout ByteBuffer) {
        switch self {
        case .open(let data), .ping(let data), .pong(let data):
            buffer.writeInteger(type.rawValue)
            var copy = data
            buffer.writeBuffer(&copy)
        case .close, .upgrade, .noop:
            buffer.writeInteger(type.rawValue)
        case .message(.text(let data)):
            buffer.writeInteger(type.rawValue)
            var copy = data
            buffer.writeBuffer(&copy)
        case .message(.binary(let data)):
            buffer.writeInteger(UInt8(ascii: "b"))
            Base64.encode(data, into: &buffer)
        }
    }

    /// The complete unmasked server WebSocket frame carrying this packet: a text frame with the type digit,
    /// or, for a binary message, a binary frame with the raw bytes.
    public func webSocketFrame(allocator: ByteBufferAllocator) -> ByteBuffer {
        switch self {
        case .open(let data), .ping(let data), .pong(let data):
            WebSocketFraming.serverFrame(
                opcode: WebSocketFraming.textOpcode, prefix: type.rawValue, payload: data, allocator: allocator)
        case .close, .upgrade, .noop:
            WebSocketFraming.serverFrame(
                opcode: WebSocketFraming.textOpcode, prefix: type.rawValue, payload: ByteBuffer(), allocator: allocator)
        case .message(.text(let data)):
            WebSocketFraming.serverFrame(
                opcode: WebSocketFraming.textOpcode, prefix: type.rawValue, payload: data, allocator: allocator)
        case .message(.binary(let data)):
            WebSocketFraming.serverFrame(
                opcode: WebSocketFraming.binaryOpcode, prefix: nil, payload: data, allocator: allocator)
        }
    }
}
