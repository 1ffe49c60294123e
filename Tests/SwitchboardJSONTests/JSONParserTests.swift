import NIOCore
import SwitchboardJSON
import Testing

@Suite struct JSONParserTests {
    let parser = JSONParser()

    @Test func parsesEveryKindOfValue() throws {
        let value = try parser.parse(#" {"a": [1, -2.5, true, false, null, "x"], "b": {}} "#)
        #expect(value == ["a": [1, -2.5, true, false, nil, "x"], "b": .object(JSONObject())])
    }

    @Test func keepsObjectKeyOrder() throws {
        let value = try parser.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
    }

    @Test func repeatedKeyKeepsFirstPositionAndLastValue() throws {
        let value = try parser.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == 3)
    }

    @Test func integersThatFitInt64AreInts() throws {
        #expect(try parser.parse("9223372036854775807") == .int(.max))
        #expect(try parser.parse("-9223372036854775808") == .int(.min))
        #expect(try parser.parse("-0") == .int(0))
    }

    @Test func integersBeyondInt64AndFractionsAreDoubles() throws {
        #expect(try parser.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try parser.parse("1.0") == .double(1))
        #expect(try parser.parse("1e3") == .double(1000))
        #expect(try parser.parse("-1.5E-2") == .double(-0.015))
    }

    @Test func decodesEveryEscape() throws {
        #expect(try parser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9""#) == .string("\"\\/\u{8}\u{c}\n\r\tAé"))
    }

    @Test func combinesSurrogatePairs() throws {
        #expect(try parser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func replacesLoneSurrogatesWithReplacementCharacter() throws {
        #expect(try parser.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
        #expect(try parser.parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(try parser.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
    }

    @Test func acceptsRawUTF8() throws {
        #expect(try parser.parse("\"héllo 😀\"") == .string("héllo 😀"))
    }

    @Test func parsesFromByteBuffer() throws {
        var buffer = ByteBuffer(string: "xx")
        buffer.moveReaderIndex(forwardBy: 2)
        buffer.writeString("[1]")
        #expect(try parser.parse(buffer) == [1])
    }

    // MARK: Rejections, one per rule

    func expectError(_ text: String, _ code: JSONParseError.Code, at offset: Int? = nil, parser: JSONParser = JSONParser()) {
        do {
            let value = try parser.parse(text)
            Issue.record("expected \(code) for \(text), got \(value)")
        } catch {
            #expect(error.code == code, "\(text)")
            if let offset { #expect(error.offset == offset, "\(text)") }
        }
    }

    @Test func rejectsEmptyInput() { expectError("", .unexpectedEnd, at: 0) }
    @Test func rejectsTrailingGarbage() { expectError("[1] x", .trailingGarbage, at: 4) }
    @Test func rejectsTwoValues() { expectError("1 2", .trailingGarbage) }
    @Test func rejectsUnterminatedArray() { expectError("[1,", .unexpectedEnd) }
    @Test func rejectsTrailingCommaInArray() { expectError("[1,]", .unexpectedByte, at: 3) }
    @Test func rejectsTrailingCommaInObject() { expectError(#"{"a":1,}"#, .unexpectedByte) }
    @Test func rejectsUnquotedKey() { expectError("{a:1}", .unexpectedByte, at: 1) }
    @Test func rejectsMissingColon() { expectError(#"{"a" 1}"#, .unexpectedByte) }
    @Test func rejectsSingleQuotes() { expectError("'a'", .unexpectedByte) }
    @Test func rejectsBadLiteral() { expectError("tru", .unexpectedEnd) }
    @Test func rejectsMisspelledLiteral() { expectError("nul1", .unexpectedByte) }
    @Test func rejectsLeadingZero() { expectError("01", .trailingGarbage) }
    @Test func rejectsLeadingPlus() { expectError("+1", .unexpectedByte) }
    @Test func rejectsBareMinus() { expectError("-", .unexpectedEnd) }
    @Test func rejectsMinusWithoutDigits() { expectError("-a", .invalidNumber) }
    @Test func rejectsFractionWithoutDigits() { expectError("1.", .invalidNumber) }
    @Test func rejectsExponentWithoutDigits() { expectError("1e+", .invalidNumber) }
    @Test func rejectsLeadingDot() { expectError(".5", .unexpectedByte) }
    @Test func rejectsNaNLiteral() { expectError("NaN", .unexpectedByte) }
    @Test func rejectsUnknownEscape() { expectError(#""\x""#, .invalidEscape, at: 1) }
    @Test func rejectsShortUnicodeEscape() { expectError(#""\u12""#, .invalidEscape) }
    @Test func rejectsControlCharacterInString() { expectError("\"a\nb\"", .controlCharacterInString, at: 2) }
    @Test func rejectsUnterminatedString() { expectError("\"abc", .unexpectedEnd) }

    @Test func rejectsInvalidUTF8() throws {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError(code: .invalidUTF8, offset: 1)) {
            try bytes.withUnsafeBytes { try parser.parse($0) }
        }
    }

    @Test func rejectsNestingBeyondTheDepthLimit() throws {
        let limited = JSONParser(maximumDepth: 3)
        #expect(try limited.parse("[[[1]]]") == [[[1]]])
        expectError("[[[[1]]]]", .tooDeep, parser: limited)
        expectError(#"{"a":{"b":{"c":{}}}}"#, .tooDeep, parser: limited)
    }

    @Test func rejectsInputBeyondTheSizeLimit() throws {
        let limited = JSONParser(maximumBytes: 4)
        #expect(try limited.parse("[12]") == [12])
        expectError("[123]", .tooLarge, parser: limited)
    }

    @Test func survivesDeepNestingAtTheDefaultLimitWithoutCrashing() {
        expectError(String(repeating: "[", count: 100_000), .tooDeep)
    }
}

@Suite struct UTF8ValidationTests {
    func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let framed = [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")]
        let result: Result<JSONValue, JSONParseError> = framed.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in try JSONParser().parse(raw) }
        }
        return try result.get()
    }

    @Test(arguments: [
        [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0x7F],
    ] as [[UInt8]])
    func acceptsWellFormedSequences(bytes: [UInt8]) throws {
        #expect(try parse(bytes) == .string(String(decoding: bytes, as: UTF8.self)))
    }

    @Test(arguments: [
        [0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xC3], [0xE2, 0x82], [0xE2, 0x28, 0xA1], [0xF0, 0x9F, 0x98, 0x28],
    ] as [[UInt8]])
    func rejectsMalformedSequences(bytes: [UInt8]) {
        #expect(throws: JSONParseError(code: .invalidUTF8, offset: 1)) { try parse(bytes) }
    }

    @Test func rejectsMalformedSequenceInStringWithEscapes() {
        #expect(throws: JSONParseError(code: .invalidUTF8, offset: 1)) { try parse([0x5C, 0x6E, 0xC3]) }
    }
}
