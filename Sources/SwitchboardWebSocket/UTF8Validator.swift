import NIOCore

/// An incremental UTF-8 validator that rejects a byte as soon as it proves the text invalid.
///
/// Text may arrive in pieces (WebSocket fragments, inflater output), and a code point may be split
/// across two pieces. The validator keeps the state of an unfinished sequence between calls, so
/// feeding the pieces one after another gives the same verdict as feeding the whole text at once.
///
/// It follows the well-formed byte sequences of Unicode §3.9, table 3-7: overlong forms, surrogates
/// (U+D800...U+DFFF) and code points above U+10FFFF are rejected at the first byte that rules them
/// out, not at the end of the sequence ("fail fast").
package struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes still expected for the sequence in progress (0 at a code point boundary).
    private var pendingContinuationBytes: UInt8 = 0
    /// The smallest value allowed for the next continuation byte.
    private var nextLowerBound: UInt8 = 0x80
    /// The largest value allowed for the next continuation byte.
    private var nextUpperBound: UInt8 = 0xBF

    /// A validator at the start of a text.
    package init() {}

    /// Whether all bytes fed so far end on a code point boundary.
    ///
    /// A text is valid only if every `validate` call succeeded and this is `true` at its end.
    package var isAtCodePointBoundary: Bool {
        self.pendingContinuationBytes == 0
    }

    /// Feeds the readable bytes of `buffer` (the buffer is not consumed).
    ///
    /// - Returns: `false` as soon as a byte cannot continue any well-formed text; the validator must
    ///   then be discarded.
    package mutating func validate(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { self.validate($0) }
    }

    /// Feeds `bytes`; same contract as the `ByteBuffer` variant.
    package mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            if self.pendingContinuationBytes == 0 {
                // Fast path: skip ASCII eight bytes at a time.
                while index + 8 <= count {
                    let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    index += 8
                }
                guard index < count else { return true }
                let byte = bytes[index]
                index += 1
                if !self.startSequence(with: byte) { return false }
            } else {
                let byte = bytes[index]
                index += 1
                guard byte >= self.nextLowerBound, byte <= self.nextUpperBound else { return false }
                self.pendingContinuationBytes -= 1
                self.nextLowerBound = 0x80
                self.nextUpperBound = 0xBF
            }
        }
        return true
    }

    /// Feeds `bytes` (convenience for tests and small inputs); same contract as the `ByteBuffer` variant.
    package mutating func validate(bytes: some Sequence<UInt8>) -> Bool {
        let array = Array(bytes)
        return array.withUnsafeBytes { self.validate($0) }
    }

    /// Classifies the lead byte of a sequence and sets the bounds of its first continuation byte.
    private mutating func startSequence(with byte: UInt8) -> Bool {
        switch byte {
        case 0x00...0x7F:
            return true
        case 0xC2...0xDF:
            self.expect(continuationBytes: 1, firstIn: 0x80...0xBF)
        case 0xE0:
            self.expect(continuationBytes: 2, firstIn: 0xA0...0xBF)  // no overlong forms
        case 0xE1...0xEC, 0xEE...0xEF:
            self.expect(continuationBytes: 2, firstIn: 0x80...0xBF)
        case 0xED:
            self.expect(continuationBytes: 2, firstIn: 0x80...0x9F)  // no surrogates
        case 0xF0:
            self.expect(continuationBytes: 3, firstIn: 0x90...0xBF)  // no overlong forms
        case 0xF1...0xF3:
            self.expect(continuationBytes: 3, firstIn: 0x80...0xBF)
        case 0xF4:
            self.expect(continuationBytes: 3, firstIn: 0x80...0x8F)  // nothing above U+10FFFF
        default:
            // 0x80...0xC1 (stray continuation, overlong two-byte lead) and 0xF5...0xFF.
            return false
        }
        return true
    }

    private mutating func expect(continuationBytes: UInt8, firstIn range: ClosedRange<UInt8>) {
        self.pendingContinuationBytes = continuationBytes
        self.nextLowerBound = range.lowerBound
        self.nextUpperBound = range.upperBound
    }
}
