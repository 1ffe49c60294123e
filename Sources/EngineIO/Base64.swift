import NIOCore

/// Standard base64 (RFC 4648 §4, with padding), as polling payloads carry binary packets.
enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Appends the base64 encoding of `bytes` to `buffer`.
    static func encode(_ bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        bytes.withUnsafeReadableBytes { input in
            let count = input.count
            buffer.reserveCapacity(minimumWritableBytes: ((count + 2) / 3) * 4)
            var index = 0
            while index + 3 <= count {
                let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                buffer.writeMultipleIntegers(
                    alphabet[Int(value >> 18 & 0x3F)], alphabet[Int(value >> 12 & 0x3F)],
                    alphabet[Int(value >> 6 & 0x3F)], alphabet[Int(value & 0x3F)])
                index += 3
            }
            switch count - index {
            case 1:
                let value = UInt32(input[index]) << 16
                buffer.writeMultipleIntegers(
                    alphabet[Int(value >> 18 & 0x3F)], alphabet[Int(value >> 12 & 0x3F)],
                    UInt8(ascii: "="), UInt8(ascii: "="))
            case 2:
                let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
                buffer.writeMultipleIntegers(
                    alphabet[Int(value >> 18 & 0x3F)], alphabet[Int(value >> 12 & 0x3F)],
                    alphabet[Int(value >> 6 & 0x3F)], UInt8(ascii: "="))
            default:
                break
            }
        }
    }

    /// Decodes base64 text (padding required when the length is not a multiple of 4 is tolerated);
    /// `nil` when a character is outside the alphabet or the length is impossible.
    static func decode(_ text: ByteBuffer, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer? {
        text.withUnsafeReadableBytes { input -> ByteBuffer? in
            var count = input.count
            if count % 4 == 1 { return nil }
            // Strip up to two trailing `=`, which must complete a 4-character group.
            var padding = 0
            while count > 0 && input[count - 1] == UInt8(ascii: "=") && padding < 2 {
                count -= 1
                padding += 1
            }
            if padding > 0 && input.count % 4 != 0 { return nil }
            if count % 4 == 1 { return nil }
            var output = allocator.buffer(capacity: count * 3 / 4)
            var accumulator: UInt32 = 0
            var bits = 0
            for index in 0..<count {
                let value = decodeTable[Int(input[index])]
                if value == 0xFF { return nil }
                accumulator = accumulator << 6 | UInt32(value)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    output.writeInteger(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                }
            }
            // Leftover bits must be zero for a canonical encoding.
            if bits > 0 && accumulator & ((1 << UInt32(bits)) - 1) != 0 { return nil }
            return output
        }
    }
}
