import NIOCore
import NIOWebSocket

/// The header of a WebSocket frame (RFC 6455 §5.2) at the start of a buffer, read without consuming it.
///
/// Pure parsing, no rules: the readers that use it (``WebSocketFrameStreamParser``,
/// ``WebSocketClientFrameReader``) decide what a client may send.
package struct WebSocketFrameHeader {
    /// FIN, RSV1–3 and the opcode, as sent.
    package var firstByte: UInt8
    /// The masking key's four bytes in network order (the first byte masks payload byte 0); `nil` for an
    /// unmasked frame.
    package var mask: UInt32?
    /// The payload length as declared (a 64-bit length may have its most significant bit set).
    package var length: UInt64
    /// Bytes before the payload: 2, plus 2 or 8 for an extended length, plus 4 for a masking key.
    package var headerLength: Int

    /// The masking key as NIO's type (builds a small array: not for hot paths).
    package var maskKey: WebSocketMaskingKey? {
        mask.map { WebSocketMaskingKey([UInt8($0 >> 24), UInt8(($0 >> 16) & 0xFF), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)])! }
    }

    /// Whether FIN is set.
    package var isFinal: Bool { firstByte & 0x80 != 0 }
    /// Whether the opcode is a control opcode (0x8–0xF).
    package var isControl: Bool { firstByte & 0x08 != 0 }

    /// Reads the header at `buffer`'s reader index; `nil` while `buffer` does not hold all of it.
    package init?(at buffer: ByteBuffer) {
        let start = buffer.readerIndex
        guard let (first, second) = buffer.getMultipleIntegers(at: start, as: (UInt8, UInt8).self) else { return nil }
        var headerLength = 2
        var length = UInt64(second & 0x7F)
        switch length {
        case 126:
            guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = UInt64(extended)
            headerLength += 2
        case 127:
            guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            length = extended
            headerLength += 8
        default:
            break
        }
        if second & 0x80 != 0 {
            guard let mask = buffer.getInteger(at: start + headerLength, as: UInt32.self) else { return nil }
            self.mask = mask
            headerLength += 4
        } else {
            self.mask = nil
        }
        self.firstByte = first
        self.length = length
        self.headerLength = headerLength
    }
}
