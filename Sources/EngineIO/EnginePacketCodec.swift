import NIOCore

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

/// Strict UTF-8 validation over a `ByteBuffer`'s readable bytes (no allocation).
enum UTF8Validation {
    static func isValid(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { isValid($0) }
    }

    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch byte {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = bytes[index + 1]
            guard second >= lower && second <= upper else { return false }
            var offset = 2
            while offset < length {
                let next = bytes[index + offset]
                guard next >= 0x80 && next <= 0xBF else { return false }
                offset += 1
            }
            index += length
        }
        return true
    }
}
