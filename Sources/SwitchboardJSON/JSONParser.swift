import NIOCore

/// A strict RFC 8259 parser producing ``JSONValue``s.
///
/// Integer literals that fit in `Int64` become ``JSONValue/int(_:)``, all other numbers
/// ``JSONValue/double(_:)``. Lone UTF-16 surrogates in `\u` escapes are accepted and replaced with
/// U+FFFD, as `JSON.parse` accepts them. Objects keep their key order; for a repeated key the last value
/// wins at the first key's position (as in `JSON.parse`).
public struct JSONParser: Sendable {
    /// The largest input accepted, in bytes.
    public var maximumBytes: Int
    /// The deepest nesting of arrays and objects accepted.
    public var maximumDepth: Int

    /// Creates a parser with limits: `maximumBytes` (default 16 MiB) and `maximumDepth` (default 128).
    public init(maximumBytes: Int = 16 * 1024 * 1024, maximumDepth: Int = 128) {
        self.maximumBytes = maximumBytes
        self.maximumDepth = maximumDepth
    }

    /// Parses one complete document from the readable bytes of `buffer`.
    public func parse(_ buffer: ByteBuffer) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(JSONParseError) in try self.parse(bytes) }
        }
        return try result.get()
    }

    /// Parses one complete document from the UTF-8 bytes of `text`.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONParseError> = text.withUTF8 { bytes in
            Result { () throws(JSONParseError) in try self.parse(UnsafeRawBufferPointer(bytes)) }
        }
        return try result.get()
    }

    /// Parses one complete document from `bytes`.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        guard bytes.count <= maximumBytes else { throw JSONParseError(code: .tooLarge, offset: maximumBytes) }
        var reader = JSONReader(bytes: bytes, maximumDepth: maximumDepth)
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        guard reader.isAtEnd else { throw JSONParseError(code: .trailingGarbage, offset: reader.index) }
        return value
    }
}

/// The cursor of one parse.
struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    let maximumDepth: Int
    var index = 0

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var isAtEnd: Bool { index >= bytes.count }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    func peek() throws(JSONParseError) -> UInt8 {
        guard index < bytes.count else { throw JSONParseError(code: .unexpectedEnd, offset: index) }
        return bytes[index]
    }

    mutating func readValue(depth: Int) throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw JSONParseError(code: .unexpectedByte, offset: index)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for offset in 0..<count {
            guard index < bytes.count else { throw JSONParseError(code: .unexpectedEnd, offset: index) }
            guard bytes[index] == start[offset] else { throw JSONParseError(code: .unexpectedByte, offset: index) }
            index += 1
        }
    }

    mutating func readArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw JSONParseError(code: .tooDeep, offset: index) }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue(depth: depth))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw JSONParseError(code: .unexpectedByte, offset: index)
            }
        }
    }

    mutating func readObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw JSONParseError(code: .tooDeep, offset: index) }
        index += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw JSONParseError(code: .unexpectedByte, offset: index) }
            let key = try readString()
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw JSONParseError(code: .unexpectedByte, offset: index) }
            index += 1
            skipWhitespace()
            let value = try readValue(depth: depth)
            if object[key] == nil {
                object.appendUnchecked(key, value)
            } else {
                object[key] = value
            }
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(object)
            default: throw JSONParseError(code: .unexpectedByte, offset: index)
            }
        }
    }

    mutating func readNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw JSONParseError(code: .unexpectedEnd, offset: index) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(bytes[index]) {
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        } else {
            throw JSONParseError(code: .invalidNumber, offset: index)
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw JSONParseError(code: .invalidNumber, offset: index) }
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw JSONParseError(code: .invalidNumber, offset: index) }
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        }
        let literal = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
        if isInteger, let value = parseInt64(literal) { return .int(value) }
        let text = String(decoding: literal, as: UTF8.self)
        guard let value = Double(text) else { throw JSONParseError(code: .invalidNumber, offset: start) }
        return .double(value)
    }

    func parseInt64(_ literal: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let negative = literal[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        guard literal.count - index <= 19 else { return nil }
        var magnitude: UInt64 = 0
        while index < literal.count {
            magnitude = magnitude &* 10 &+ UInt64(literal[index] &- UInt8(ascii: "0"))
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// Reads a string starting at the opening quote.
    mutating func readString() throws(JSONParseError) -> String {
        index += 1  // "
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return try makeString(slice, offset: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw JSONParseError(code: .controlCharacterInString, offset: index) }
            index += 1
        }
        guard index < bytes.count else { throw JSONParseError(code: .unexpectedEnd, offset: index) }
        var scratch: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let result: Result<String, JSONParseError> = scratch.withUnsafeBytes { buffer in
                    Result { () throws(JSONParseError) in try makeString(buffer, offset: start) }
                }
                return try result.get()
            case UInt8(ascii: "\\"):
                try readEscape(into: &scratch)
            case 0..<0x20:
                throw JSONParseError(code: .controlCharacterInString, offset: index)
            default:
                scratch.append(byte)
                index += 1
            }
        }
        throw JSONParseError(code: .unexpectedEnd, offset: index)
    }

    func makeString(_ bytes: UnsafeRawBufferPointer, offset: Int) throws(JSONParseError) -> String {
        // Validate UTF-8 strictly (RFC 8259 §8.1); then decoding cannot replace anything.
        guard UTF8Validation.isValid(bytes) else {
            throw JSONParseError(code: .invalidUTF8, offset: offset)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func readEscape(into scratch: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = index
        index += 1  // backslash
        guard index < bytes.count else { throw JSONParseError(code: .unexpectedEnd, offset: index) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4(escapeStart: escapeStart)
            var scalar: Unicode.Scalar
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate: combine with a following low surrogate escape, if any.
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    let saved = index
                    index += 2
                    let low = try readHex4(escapeStart: saved)
                    if (0xDC00...0xDFFF).contains(low) {
                        let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        scalar = Unicode.Scalar(value)!
                    } else {
                        index = saved  // not a pair: the second escape is read on its own
                        scalar = "\u{FFFD}"
                    }
                } else {
                    scalar = "\u{FFFD}"
                }
            case 0xDC00...0xDFFF:
                scalar = "\u{FFFD}"
            default:
                scalar = Unicode.Scalar(unit)!
            }
            UTF8.encode(scalar) { scratch.append($0) }
        default:
            throw JSONParseError(code: .invalidEscape, offset: escapeStart)
        }
    }

    mutating func readHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw JSONParseError(code: .unexpectedEnd, offset: index) }
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONParseError(code: .invalidEscape, offset: escapeStart)
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
