/// Random identifiers for sessions and sockets: 20 URL-safe base64 characters (`A–Z a–z 0–9 - _`), 120 bits.
package enum RandomIdentifier {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    /// The random bytes one identifier takes: 15 bytes are the 120 bits of 20 six-bit characters.
    static let byteCount = 15

    /// A new identifier from the system's cryptographically secure generator, drawn through this thread's
    /// ``RandomBytePool`` (one `getrandom` per 273 identifiers instead of one per identifier).
    package static func make() -> String {
        RandomBytePool.withCurrentThreadPool { pool in make(from: pool) }
    }

    /// A new identifier from 15 bytes of `pool`.
    package static func make(from pool: RandomBytePool) -> String {
        pool.withBytes(byteCount) { encode($0) }
    }

    /// The identifier spelled by 15 bytes: each 3 bytes, most significant bit first, give 4 characters (base64url
    /// without padding).
    package static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        precondition(bytes.count == byteCount, "an identifier takes exactly 15 bytes")
        return String(unsafeUninitializedCapacity: 20) { characters in
            for group in 0..<5 {
                let word = UInt32(bytes[group * 3]) << 16 | UInt32(bytes[group * 3 + 1]) << 8 | UInt32(bytes[group * 3 + 2])
                characters[group * 4] = alphabet[Int(word >> 18)]
                characters[group * 4 + 1] = alphabet[Int(word >> 12 & 63)]
                characters[group * 4 + 2] = alphabet[Int(word >> 6 & 63)]
                characters[group * 4 + 3] = alphabet[Int(word & 63)]
            }
            return 20
        }
    }
}
