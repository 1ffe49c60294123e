import NIOCore
import Testing

@testable import SwitchboardWebSocket

/// Well-formed and malformed UTF-8 vectors in the style of Markus Kuhn's stress test and the
/// Autobahn|Testsuite cases 6.x.
@Suite struct UTF8ValidatorTests {
    static let valid: [(String, [UInt8])] = [
        ("empty", []),
        ("ASCII", Array("Hello, world! 0123456789".utf8)),
        ("kosme", [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5]),
        ("U+0000", [0x00]),
        ("U+0080 first two-byte", [0xC2, 0x80]),
        ("U+07FF last two-byte", [0xDF, 0xBF]),
        ("U+0800 first three-byte", [0xE0, 0xA0, 0x80]),
        ("U+D7FF last before surrogates", [0xED, 0x9F, 0xBF]),
        ("U+E000 first after surrogates", [0xEE, 0x80, 0x80]),
        ("U+FFFD replacement character", [0xEF, 0xBF, 0xBD]),
        ("U+FFFF last three-byte", [0xEF, 0xBF, 0xBF]),
        ("U+10000 first four-byte", [0xF0, 0x90, 0x80, 0x80]),
        ("U+10FFFF last code point", [0xF4, 0x8F, 0xBF, 0xBF]),
        ("mixed with long ASCII runs", Array("abcdefghijklmnopqrstuvwxyz €uro 𝄞 clef abcdefghijklmnop".utf8)),
    ]

    /// Each malformed vector with the index of the first byte that proves it invalid, or `nil` when
    /// the text is only invalid because it ends inside a sequence.
    static let invalid: [(String, [UInt8], Int?)] = [
        ("lone continuation 0x80", [0x80], 0),
        ("lone continuation 0xBF", [0x41, 0xBF], 1),
        ("overlong '/' two bytes", [0xC0, 0xAF], 0),
        ("overlong U+007F two bytes", [0xC1, 0xBF], 0),
        ("overlong '/' three bytes", [0xE0, 0x80, 0xAF], 1),
        ("overlong U+07FF three bytes", [0xE0, 0x9F, 0xBF], 1),
        ("overlong '/' four bytes", [0xF0, 0x80, 0x80, 0xAF], 1),
        ("overlong U+FFFF four bytes", [0xF0, 0x8F, 0xBF, 0xBF], 1),
        ("surrogate U+D800", [0xED, 0xA0, 0x80], 1),
        ("surrogate U+DFFF", [0xED, 0xBF, 0xBF], 1),
        ("surrogate pair", [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80], 1),
        ("U+110000 above the last code point", [0xF4, 0x90, 0x80, 0x80], 1),
        ("lead byte 0xF5", [0xF5, 0x80, 0x80, 0x80], 0),
        ("five-byte sequence", [0xF8, 0x88, 0x80, 0x80, 0x80], 0),
        ("six-byte sequence", [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80], 0),
        ("byte 0xFE", [0xFE], 0),
        ("byte 0xFF", [0x41, 0x42, 0xFF], 2),
        ("missing continuation", [0xC2, 0x41], 1),
        ("three-byte cut by ASCII", [0xE1, 0x80, 0x41], 2),
        ("Autobahn 6.3.1 kosme + surrogate + edited",
         [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80,
          0x65, 0x64, 0x69, 0x74, 0x65, 0x64], 12),
        ("truncated two-byte at end", [0x41, 0xC2], nil),
        ("truncated three-byte at end", [0xE0, 0xA0], nil),
        ("truncated four-byte at end", [0xF0, 0x90, 0x80], nil),
        ("invalid after long ASCII run", Array("abcdefghijklmnopqrstuvwxyz".utf8) + [0xC0, 0x80], 26),
    ]

    static func check(_ bytes: [UInt8]) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes: bytes) && validator.isAtCodePointBoundary
    }

    @Test(arguments: valid.map(\.1))
    func acceptsWellFormedText(_ bytes: [UInt8]) {
        #expect(Self.check(bytes))
        #expect(String(validating: bytes, as: UTF8.self) != nil)  // the vector itself is right
    }

    @Test(arguments: invalid.map { $0.1 })
    func rejectsMalformedText(_ bytes: [UInt8]) {
        #expect(!Self.check(bytes))
        #expect(String(validating: bytes, as: UTF8.self) == nil)
    }

    @Test func failsAtTheFirstByteThatProvesTheTextInvalid() {
        for (name, bytes, failIndex) in Self.invalid {
            var validator = UTF8Validator()
            var failedAt: Int? = nil
            for (index, byte) in bytes.enumerated() where !validator.validate(bytes: [byte]) {
                failedAt = index
                break
            }
            #expect(failedAt == failIndex, "\(name)")
            if failIndex == nil {
                #expect(!validator.isAtCodePointBoundary, "\(name)")
            }
        }
    }

    @Test func givesTheSameVerdictForEverySplitIntoTwoPieces() {
        let vectors = Self.valid.map { ($0.1, true) } + Self.invalid.map { ($0.1, false) }
        for (bytes, isValid) in vectors {
            for split in 0...bytes.count {
                var validator = UTF8Validator()
                let verdict =
                    validator.validate(bytes: bytes[..<split]) && validator.validate(bytes: bytes[split...])
                    && validator.isAtCodePointBoundary
                #expect(verdict == isValid, "\(bytes) split at \(split)")
            }
        }
    }

    @Test func agreesWithTheStandardLibraryOnEveryTwoByteInputAndSampledLongerInputs() {
        for first in UInt8.min...UInt8.max {
            for second in UInt8.min...UInt8.max {
                let bytes = [first, second]
                #expect(Self.check(bytes) == (String(validating: bytes, as: UTF8.self) != nil))
            }
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5]
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 1...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            #expect(Self.check(bytes) == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    @Test func validatesByteBufferReadableBytesWithoutConsumingThem() {
        var buffer = ByteBuffer(bytes: [0x00, 0x00] + Array("κόσμε".utf8))
        buffer.moveReaderIndex(forwardBy: 2)
        var validator = UTF8Validator()
        let accepted = validator.validate(buffer)
        #expect(accepted)
        #expect(validator.isAtCodePointBoundary)
        #expect(buffer.readableBytes == "κόσμε".utf8.count)
    }
}
