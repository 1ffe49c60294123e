import NIOCore

/// WebSocket opcodes (RFC 6455 §5.2) that the bench sends or receives.
enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames are close, ping and pong (opcodes with the high bit set).
    var isControl: Bool { rawValue & 0x8 != 0 }
}

/// Writes client-to-server WebSocket frames (RFC 6455 §5.2, §5.3): always final, always masked.
///
/// The caller writes the payload straight into the outbound buffer (so pre-encoded pieces are copied
/// once and nothing else is allocated), then the encoder masks that range in place.
enum ClientFrameEncoder {
    /// The header length for a masked frame with `payloadLength` bytes.
    static func headerLength(payloadLength: Int) -> Int {
        if payloadLength <= 125 { return 2 + 4 }
        if payloadLength <= 0xFFFF { return 4 + 4 }
        return 10 + 4
    }

    /// The total frame length for a masked frame with `payloadLength` bytes.
    static func frameLength(payloadLength: Int) -> Int {
        headerLength(payloadLength: payloadLength) + payloadLength
    }

    /// Appends one final, masked frame to `buffer`. `writePayload` must write exactly
    /// `payloadLength` bytes (checked); they are then masked with `maskKey`.

    static func writeFrame(
        opcode: WebSocketOpcode,
        payloadLength: Int,
        maskKey: UInt32,
        into buffer: inout ByteBuffer,
        _ writePayload: (inout ByteBuffer) -> Void
    ) {
        buffer.writeInteger(0x80 | opcode.rawValue)
        if payloadLength <= 125 {
            buffer.writeInteger(0x80 | UInt8(payloadLength))
        } else if payloadLength <= 0xFFFF {
            buffer.writeInteger(0x80 | UInt8(126))
            buffer.writeInteger(UInt16(payloadLength))
        } else {
            buffer.writeInteger(0x80 | UInt8(127))
            buffer.writeInteger(UInt64(payloadLength))
        }
        buffer.writeInteger(maskKey)
        let payloadStart = buffer.writerIndex
        writePayload(&buffer)
        precondition(buffer.writerIndex - payloadStart == payloadLength, "frame payload length mismatch")
        applyMask(maskKey, to: &buffer, from: payloadStart - buffer.readerIndex, count: payloadLength)
    }

    /// Appends one final, masked frame carrying `payload`.
    static func writeFrame(opcode: WebSocketOpcode, payload: ByteBuffer, maskKey: UInt32, into buffer: inout ByteBuffer) {
        writeFrame(opcode: opcode, payloadLength: payload.readableBytes, maskKey: maskKey, into: &buffer) {
            var copy = payload
            $0.writeBuffer(&copy)
        }
    }

    /// XORs `count` readable bytes starting `offset` bytes after the reader index with the
    /// big-endian `maskKey` repeated (RFC 6455 §5.3). Applying it twice restores the bytes.

    static func applyMask(_ maskKey: UInt32, to buffer: inout ByteBuffer, from offset: Int, count: Int) {
        guard count > 0 else { return }
        buffer.withUnsafeMutableReadableBytes { raw in
            let bytes = UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + count)])
            let key: (UInt8, UInt8, UInt8, UInt8) = (
                UInt8(truncatingIfNeeded: maskKey >> 24), UInt8(truncatingIfNeeded: maskKey >> 16),
                UInt8(truncatingIfNeeded: maskKey >> 8), UInt8(truncatingIfNeeded: maskKey)
            )
            // Eight bytes at a time with the key laid out in memory order, then the tail.
            var wide: UInt64 = 0
            withUnsafeMutableBytes(of: &wide) { w in
                for i in 0..<8 {
                    switch i % 4 {
                    case 0: w[i] = key.0
                    case 1: w[i] = key.1
                    case 2: w[i] = key.2
                    default: w[i] = key.3
                    }
                }
            }
            var index = 0
            while index + 8 <= count {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                bytes.storeBytes(of: word ^ wide, toByteOffset: index, as: UInt64.self)
                index += 8
            }
            while index < count {
                let k: UInt8
                switch index % 4 {
                case 0: k = key.0
                case 1: k = key.1
                case 2: k = key.2
                default: k = key.3
                }
                bytes[index] ^= k
                index += 1
            }
        }
    }
}

/// A cheap per-connection source of masking keys (SplitMix64), seeded from the system's secure
/// random generator. RFC 6455 asks for unpredictable keys so that intermediaries cannot be
/// poisoned; a seeded generator per connection meets that on loopback without a syscall per frame.
struct MaskKeyGenerator: Sendable {
    private var state: UInt64

    /// Seeds from `SystemRandomNumberGenerator`.
    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    /// A fixed seed, for tests.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 32-bit key.
    mutating func next() -> UInt32 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt32(truncatingIfNeeded: z ^ (z >> 31))
    }
}
