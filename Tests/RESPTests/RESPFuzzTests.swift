import NIOCore
import SwitchboardTestSupport
import Testing

@testable import RESP

@Suite("RESPDecoder under hostile input")
struct RESPFuzzTests {
    /// Decodes everything decodable from `bytes`; returns normally on incomplete input or a typed error.
    func drain(_ bytes: [UInt8], limits: RESPDecoder.Limits) -> Int {
        var buffer = ByteBuffer(bytes: bytes)
        let decoder = RESPDecoder(limits: limits)
        var count = 0
        do {
            while let _ = try decoder.decode(from: &buffer) { count += 1 }
        } catch {
            // A typed error is the expected outcome for garbage.
        }
        return count
    }

    @Test("random bytes never crash the decoder", arguments: [21 as UInt64, 22, 23])
    func randomBytes(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let alphabet = Array("+-:$*%~>_#,(=!|\r\n0123456789-?tfinax".utf8)
        for _ in 0..<3000 {
            let length = Int.random(in: 0...48, using: &rng)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            _ = drain(bytes, limits: .init(maxBulkLength: 64, maxAggregateCount: 16, maxDepth: 4, maxLineLength: 32))
        }
    }

    @Test("mutated valid encodings never crash the decoder", arguments: [31 as UInt64, 32])
    func mutatedEncodings(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<1000 {
            var encoded = ByteBuffer()
            randomValue(depth: 3, using: &rng).encode(into: &encoded)
            var bytes = Array(encoded.readableBytesView)
            guard !bytes.isEmpty else { continue }
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                }
                if bytes.isEmpty { break }
            }
            _ = drain(bytes, limits: .init())
        }
    }

    @Test("huge announced sizes are refused without allocating for them")
    func hugeSizes() {
        for text in ["$9223372036854775807\r\n", "*9223372036854775807\r\n", "%4611686018427387904\r\n",
                     "=9223372036854775807\r\n", "*99999999999999999999\r\n"] {
            var buffer = ByteBuffer(string: text)
            #expect(throws: RESPDecodingError.self) { try RESPDecoder().decode(from: &buffer) }
        }
    }
}

@Suite("RESPDecoder with unbounded limits")
struct RESPUnboundedLimitTests {
    @Test("limits at Int.max do not overflow on huge announced sizes")
    func noOverflow() throws {
        let limits = RESPDecoder.Limits(maxBulkLength: .max, maxAggregateCount: .max, maxDepth: 8, maxLineLength: .max)
        for text in ["$9223372036854775807\r\n", "*9223372036854775807\r\n", "%9223372036854775807\r\n",
                     "*2\r\n*9223372036854775807\r\n", "|1\r\n%9223372036854775807\r\n"] {
            var buffer = ByteBuffer(string: text)
            var needed = 0
            #expect(try RESPDecoder(limits: limits).decode(from: &buffer, bytesNeeded: &needed) == nil)
            #expect(needed > buffer.readableBytes)
        }
    }
}
