import NIOCore
import SwitchboardTestSupport
import Testing

@testable import RESP


/// Random RESP3 values of every kind, nested up to `depth`.
func randomValue(depth: Int, using rng: inout SeededGenerator) -> RESPValue {
    func blob() -> ByteBuffer {
        let count = Int.random(in: 0...24, using: &rng)
        return ByteBuffer(bytes: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
    func line() -> ByteBuffer {
        let count = Int.random(in: 0...16, using: &rng)
        return ByteBuffer(bytes: (0..<count).map { _ in UInt8.random(in: 32...126, using: &rng) })
    }
    func elements() -> [RESPValue] {
        (0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(depth: depth - 1, using: &rng) }
    }
    let kinds = depth > 0 ? 15 : 10
    switch Int.random(in: 0..<kinds, using: &rng) {
    case 0: return .simpleString(line())
    case 1: return .simpleError(line())
    case 2: return .integer(Int64.random(in: .min ... .max, using: &rng))
    case 3: return .bulkString(blob())
    case 4: return .bulkError(blob())
    case 5: return .null
    case 6:
        let special: [Double] = [.infinity, -.infinity, 0, -0.0, 1e300, .leastNonzeroMagnitude]
        return .double(Bool.random(using: &rng)
            ? special.randomElement(using: &rng)!
            : Double.random(in: -1e9...1e9, using: &rng))
    case 7: return .boolean(Bool.random(using: &rng))
    case 8:
        let digits = (0..<Int.random(in: 1...40, using: &rng)).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }
        return .bigNumber(ByteBuffer(string: (Bool.random(using: &rng) ? "-" : "") + String(digits)))
    case 9: return .verbatimString(format: Bool.random(using: &rng) ? "txt" : "mkd", content: blob())
    case 10: return .array(elements())
    case 11: return .set(elements())
    case 12: return .push(elements())
    case 13:
        return .map((0..<Int.random(in: 0...3, using: &rng)).map { _ in
            RESPPair(key: randomValue(depth: depth - 1, using: &rng), value: randomValue(depth: depth - 1, using: &rng))
        })
    default:
        let attributes = [RESPPair(key: .simpleString(line()), value: randomValue(depth: 0, using: &rng))]
        // An attribute never wraps another attribute directly.
        var inner = randomValue(depth: depth - 1, using: &rng)
        if case .attributed(let value, _) = inner { inner = value }
        return .attributed(inner, attributes: attributes)
    }
}

@Suite("RESP round trips and segmentation")
struct RESPRoundTripTests {
    @Test("encode then decode gives back the same value, for 2000 seeded random values",
          arguments: [1 as UInt64, 2, 3, 4])
    func roundTrip(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        for index in 0..<500 {
            let value = randomValue(depth: 4, using: &rng)
            var buffer = ByteBuffer()
            value.encode(into: &buffer)
            let decoded = try RESPDecoder().decode(from: &buffer)
            #expect(decoded == value, "seed \(seed) value \(index)")
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test("values fed one byte at a time decode exactly like values fed at once", arguments: [7 as UInt64, 8])
    func byteByByte(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let values = (0..<100).map { _ in randomValue(depth: 3, using: &rng) }
        var stream = ByteBuffer()
        for value in values { value.encode(into: &stream) }

        let decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var decoded: [RESPValue] = []
        while let byte = stream.readInteger(as: UInt8.self) {
            buffer.writeInteger(byte)
            while let value = try decoder.decode(from: &buffer) {
                decoded.append(value)
            }
        }
        #expect(decoded == values)
        #expect(buffer.readableBytes == 0)
    }

    @Test("every proper prefix of a value is reported incomplete and consumes nothing")
    func everyPrefixIsIncomplete() throws {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<50 {
            let value = randomValue(depth: 3, using: &rng)
            var encoded = ByteBuffer()
            value.encode(into: &encoded)
            for length in 0..<encoded.readableBytes {
                var prefix = encoded.getSlice(at: encoded.readerIndex, length: length)!
                #expect(try RESPDecoder().decode(from: &prefix) == nil)
                #expect(prefix.readableBytes == length)
            }
        }
    }
}

@Suite("RESPDecoder bytes-needed hint")
struct RESPDecoderHintTests {
    @Test("the hint never exceeds the real size, and decoding only when it is reached still finds every value",
          arguments: [11 as UInt64, 12, 13])
    func hintIsALowerBound(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let values = (0..<60).map { _ in randomValue(depth: 4, using: &rng) }
        var stream = ByteBuffer()
        var sizes: [Int] = []
        for value in values {
            let before = stream.readableBytes
            value.encode(into: &stream)
            sizes.append(stream.readableBytes - before)
        }
        let decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var decoded: [RESPValue] = []
        var needed = 0
        var attempts = 0
        while stream.readableBytes > 0 {
            var chunk = stream.readSlice(length: min(stream.readableBytes, Int.random(in: 1...7, using: &rng)))!
            buffer.writeBuffer(&chunk)
            while buffer.readableBytes >= needed {
                attempts += 1
                guard let value = try decoder.decode(from: &buffer, bytesNeeded: &needed) else {
                    #expect(needed > buffer.readableBytes)
                    if decoded.count < sizes.count {
                        #expect(needed <= sizes[decoded.count], "hint \(needed) over real size \(sizes[decoded.count])")
                    }
                    break
                }
                decoded.append(value)
            }
        }
        #expect(decoded == values)
    }

    @Test("a large array arriving in small reads is parsed far fewer times than there are reads")
    func largeArrayFewAttempts() throws {
        let value = RESPValue.array((0..<5_000).map { .integer(Int64($0)) })
        var stream = ByteBuffer()
        value.encode(into: &stream)
        let decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var needed = 0
        var attempts = 0
        var reads = 0
        var result: RESPValue?
        while let chunkLength = Optional(min(stream.readableBytes, 128)), chunkLength > 0 {
            var chunk = stream.readSlice(length: chunkLength)!
            buffer.writeBuffer(&chunk)
            reads += 1
            if buffer.readableBytes >= needed {
                attempts += 1
                result = try decoder.decode(from: &buffer, bytesNeeded: &needed)
            }
        }
        #expect(result == value)
        #expect(attempts < reads / 10, "\(attempts) parses for \(reads) reads")
    }
}
