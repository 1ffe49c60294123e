/// Random identifiers for sessions and sockets: 20 URL-safe base64 characters (`A–Z a–z 0–9 - _`), 120 bits.
package enum RandomIdentifier {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// A new identifier from the system's cryptographically secure generator.
    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return make(using: &generator)
    }

    /// A new identifier from `generator`: two 64-bit draws give the 120 bits (with the system generator each
    /// draw is a `getrandom` call, so two calls rather than one per character).
    package static func make(using generator: inout some RandomNumberGenerator) -> String {
        var bits = generator.next()
        let more = generator.next()
        return String(unsafeUninitializedCapacity: 20) { characters in
            for index in 0..<20 {
                if index == 10 { bits = more }
                characters[index] = alphabet[Int(bits & 63)]
                bits >>= 6
            }
            return 20
        }
    }
}
