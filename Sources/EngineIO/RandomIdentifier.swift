#if canImport(Glibc)
import Glibc
#endif

/// Random identifiers for sessions and sockets: 20 URL-safe base64 characters (`A–Z a–z 0–9 - _`), 120 bits.
package enum RandomIdentifier {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// A new identifier from the system's cryptographically secure generator: one `getrandom` call for the
    /// 16 bytes on Linux (the system generator of the standard library makes one call per 64-bit draw).
    package static func make() -> String {
        var generator = SystemRandomPair()
        return make(using: &generator)
    }

    /// A new identifier from `generator`: two 64-bit draws give the 120 bits.
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

/// Two 64-bit values of the system's secure randomness drawn in one `getrandom` call (Linux), then the
/// standard library's `SystemRandomNumberGenerator` for any further draw or when the call is unavailable.
struct SystemRandomPair: RandomNumberGenerator {
    private var drawn: (UInt64, UInt64)?
    private var used = 0
    private var system = SystemRandomNumberGenerator()

    init() {
        #if canImport(Glibc)
        var pair: (UInt64, UInt64) = (0, 0)
        if let getRandom = Self.getRandom,
            withUnsafeMutableBytes(of: &pair, { getRandom($0.baseAddress, $0.count, 0) }) == MemoryLayout<(UInt64, UInt64)>.size
        {
            drawn = pair
        }
        #endif
    }

    mutating func next() -> UInt64 {
        guard let drawn, used < 2 else { return system.next() }
        used += 1
        return used == 1 ? drawn.0 : drawn.1
    }

    #if canImport(Glibc)
    private typealias GetRandom = @convention(c) (UnsafeMutableRawPointer?, Int, UInt32) -> Int
    /// `getrandom(2)` from `<sys/random.h>`, which the Glibc module does not import: looked up once.
    private static let getRandom: GetRandom? = dlsym(nil, "getrandom").map { unsafeBitCast($0, to: GetRandom.self) }
    #endif
}
