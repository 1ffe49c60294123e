import NIOCore

/// Decodes RESP2 and RESP3 values from a byte stream.
///
/// ``decode(from:)`` either consumes exactly one complete value or, if the bytes are incomplete,
/// consumes nothing and returns `nil`. Announced sizes are checked against ``Limits`` as soon as their
/// header line is read, before any payload is waited for or stored.
public struct RESPDecoder: Sendable {
    /// Upper bounds that protect the client from a hostile or broken server.
    public struct Limits: Sendable, Hashable {
        /// The longest bulk string, bulk error or verbatim string accepted, in bytes. Default 512 MiB,
        /// Redis' own `proto-max-bulk-len`.
        public var maxBulkLength: Int
        /// The most elements an array, set or push may announce (a map or attribute counts its pairs).
        /// Default 16 Mi.
        public var maxAggregateCount: Int
        /// How deep aggregates may nest; a flat array has depth 1. Default 32.
        public var maxDepth: Int
        /// The longest header or simple line (simple strings, errors, numbers) in bytes, without
        /// the CR LF. Default 64 KiB.
        public var maxLineLength: Int

        /// Creates limits; every argument has a default.
        public init(
            maxBulkLength: Int = 512 * 1024 * 1024,
            maxAggregateCount: Int = 16 * 1024 * 1024,
            maxDepth: Int = 32,
            maxLineLength: Int = 64 * 1024
        ) {
            self.maxBulkLength = maxBulkLength
            self.maxAggregateCount = maxAggregateCount
            self.maxDepth = maxDepth
            self.maxLineLength = maxLineLength
        }
    }

    /// The limits in force.
    public var limits: Limits

    /// Creates a decoder.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Decodes one value from the readable bytes of `buffer`.
    ///
    /// - Returns: the value, with its bytes consumed; or `nil` if `buffer` does not hold a complete value
    ///   yet, with nothing consumed.
    /// - Throws: ``RESPDecodingError`` if the bytes break the protocol or a limit.
    public func decode(from buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        var bytesNeeded = 0
        return try decode(from: &buffer, bytesNeeded: &bytesNeeded)
    }

    /// Decodes one value like ``decode(from:)``; when the bytes are incomplete, also tells how many
    /// readable bytes the value needs at the least, so a caller can skip decoding until they arrived.
    ///
    /// With this hint, a large aggregate arriving in many reads is parsed a logarithmic number of times
    /// instead of once per read.
    ///
    /// - Parameter bytesNeeded: set to 0 on success, or to a lower bound of the readable bytes the value
    ///   needs (more than `buffer.readableBytes`) when `nil` is returned.
    package func decode(from buffer: inout ByteBuffer, bytesNeeded: inout Int) throws(RESPDecodingError) -> RESPValue? {
        var cursor = buffer
        var missing = 1
        guard let value = try self.value(from: &cursor, depth: 0, missing: &missing) else {
            bytesNeeded = buffer.readableBytes
            bytesNeeded.addSaturating(missing)
            return nil
        }
        bytesNeeded = 0
        buffer.moveReaderIndex(to: cursor.readerIndex)
        return value
    }

    // MARK: Values

    private func value(
        from buffer: inout ByteBuffer, depth: Int, missing: inout Int
    ) throws(RESPDecodingError) -> RESPValue? {
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return try line(from: &buffer).map(RESPValue.simpleString)
        case UInt8(ascii: "-"):
            return try line(from: &buffer).map(RESPValue.simpleError)
        case UInt8(ascii: ":"):
            guard let line = try line(from: &buffer) else { return nil }
            guard let value = Self.parseInteger(line) else { throw RESPDecodingError(code: .invalidInteger) }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let payload = try blob(from: &buffer, allowsNull: true, missing: &missing) else { return nil }
            return payload.map(RESPValue.bulkString) ?? .null
        case UInt8(ascii: "!"):
            guard let payload = try blob(from: &buffer, allowsNull: false, missing: &missing) else { return nil }
            return payload.map(RESPValue.bulkError) ?? .null
        case UInt8(ascii: "="):
            guard let payload = try blob(from: &buffer, allowsNull: false, missing: &missing), var content = payload
            else { return nil }
            guard content.readableBytes >= 4, content.getInteger(at: content.readerIndex + 3, as: UInt8.self) == UInt8(ascii: ":"),
                let format = content.readString(length: 3)
            else { throw RESPDecodingError(code: .invalidVerbatimString) }
            content.moveReaderIndex(forwardBy: 1)
            return .verbatimString(format: format, content: content)
        case UInt8(ascii: "_"):
            guard let line = try line(from: &buffer) else { return nil }
            guard line.readableBytes == 0 else { throw RESPDecodingError(code: .missingTerminator) }
            return .null
        case UInt8(ascii: "#"):
            guard let line = try line(from: &buffer) else { return nil }
            switch line.readableBytesView.first {
            case UInt8(ascii: "t") where line.readableBytes == 1: return .boolean(true)
            case UInt8(ascii: "f") where line.readableBytes == 1: return .boolean(false)
            default: throw RESPDecodingError(code: .invalidBoolean)
            }
        case UInt8(ascii: ","):
            guard let line = try line(from: &buffer) else { return nil }
            guard let value = Self.parseDouble(line) else { throw RESPDecodingError(code: .invalidDouble) }
            return .double(value)
        case UInt8(ascii: "("):
            guard let line = try line(from: &buffer) else { return nil }
            guard Self.isBigNumber(line) else { throw RESPDecodingError(code: .invalidBigNumber) }
            return .bigNumber(line)
        case UInt8(ascii: "*"):
            guard let elements = try aggregate(from: &buffer, depth: depth, allowsNull: true, missing: &missing) else { return nil }
            return elements.map(RESPValue.array) ?? .null
        case UInt8(ascii: "~"):
            guard let elements = try aggregate(from: &buffer, depth: depth, allowsNull: false, missing: &missing) else { return nil }
            return elements.map(RESPValue.set) ?? .null
        case UInt8(ascii: ">"):
            guard let elements = try aggregate(from: &buffer, depth: depth, allowsNull: false, missing: &missing) else { return nil }
            return elements.map(RESPValue.push) ?? .null
        case UInt8(ascii: "%"):
            guard let pairs = try pairs(from: &buffer, depth: depth, missing: &missing) else { return nil }
            return .map(pairs)
        case UInt8(ascii: "|"):
            guard let attributes = try pairs(from: &buffer, depth: depth, missing: &missing) else {
                missing.addSaturating(3)  // the attributed value
                return nil
            }
            guard let value = try value(from: &buffer, depth: depth, missing: &missing) else { return nil }
            return .attributed(value, attributes: attributes)
        default:
            throw RESPDecodingError(code: .unknownType)
        }
    }

    /// Reads the element count line of an aggregate and its elements.
    /// - Returns: `nil` if incomplete; `.some(nil)` for a RESP2 null array.
    private func aggregate(
        from buffer: inout ByteBuffer, depth: Int, allowsNull: Bool, missing: inout Int
    ) throws(RESPDecodingError) -> [RESPValue]?? {
        guard let count = try length(from: &buffer, allowsNull: allowsNull, limit: limits.maxAggregateCount,
                                     tooLarge: .aggregateTooLarge) else { return nil }
        guard count >= 0 else { return .some(nil) }
        guard depth < limits.maxDepth else { throw RESPDecodingError(code: .nestingTooDeep) }
        // Every element takes at least three bytes (`_\r\n`): wait for them before reserving memory.
        guard buffer.readableBytes / 3 >= count else {
            missing = count.multipliedReportingOverflow(by: 3).overflow ? .max : count * 3 - buffer.readableBytes
            return nil
        }
        var elements: [RESPValue] = []
        elements.reserveCapacity(count)
        for index in 0..<count {
            guard let element = try value(from: &buffer, depth: depth + 1, missing: &missing) else {
                missing.addSaturating(3 * (count - index - 1))
                return nil
            }
            elements.append(element)
        }
        return .some(elements)
    }

    private func pairs(
        from buffer: inout ByteBuffer, depth: Int, missing: inout Int
    ) throws(RESPDecodingError) -> [RESPPair]? {
        guard let count = try length(from: &buffer, allowsNull: false, limit: limits.maxAggregateCount,
                                     tooLarge: .aggregateTooLarge) else { return nil }
        guard depth < limits.maxDepth else { throw RESPDecodingError(code: .nestingTooDeep) }
        guard buffer.readableBytes / 6 >= count else {
            missing = count.multipliedReportingOverflow(by: 6).overflow ? .max : count * 6 - buffer.readableBytes
            return nil
        }
        var pairs: [RESPPair] = []
        pairs.reserveCapacity(count)
        for index in 0..<count {
            guard let key = try value(from: &buffer, depth: depth + 1, missing: &missing) else {
                missing.addSaturating(3 + 6 * (count - index - 1))
                return nil
            }
            guard let value = try value(from: &buffer, depth: depth + 1, missing: &missing) else {
                missing.addSaturating(6 * (count - index - 1))
                return nil
            }
            pairs.append(RESPPair(key: key, value: value))
        }
        return pairs
    }

    /// Reads a length line and its payload followed by CR LF.
    /// - Returns: `nil` if incomplete; `.some(nil)` for a RESP2 null bulk string.
    private func blob(
        from buffer: inout ByteBuffer, allowsNull: Bool, missing: inout Int
    ) throws(RESPDecodingError) -> ByteBuffer?? {
        guard let length = try length(from: &buffer, allowsNull: allowsNull, limit: limits.maxBulkLength,
                                      tooLarge: .bulkStringTooLong) else { return nil }
        guard length >= 0 else { return .some(nil) }
        guard buffer.readableBytes - 2 >= length else {
            missing = length == .max ? .max : length + 2 - buffer.readableBytes
            return nil
        }
        let payload = buffer.readSlice(length: length)!
        guard buffer.readInteger(as: UInt16.self) == Self.crlf else {
            throw RESPDecodingError(code: .missingTerminator)
        }
        return .some(payload)
    }

    /// Reads a length header: a decimal of at least 0, or `-1` where `allowsNull`.
    private func length(
        from buffer: inout ByteBuffer, allowsNull: Bool, limit: Int, tooLarge: RESPDecodingError.Code
    ) throws(RESPDecodingError) -> Int? {
        guard let line = try line(from: &buffer) else { return nil }
        if line.readableBytes == 1, line.readableBytesView.first == UInt8(ascii: "?") {
            throw RESPDecodingError(code: .unsupportedStreamedType)
        }
        guard let value = Self.parseInteger(line) else { throw RESPDecodingError(code: .invalidLength) }
        if value == -1, allowsNull { return -1 }
        guard value >= 0 else { throw RESPDecodingError(code: .invalidLength) }
        guard value <= limit else { throw RESPDecodingError(code: tooLarge) }
        return Int(value)
    }

    /// Reads the bytes up to the next CR LF, consuming the CR LF.
    private func line(from buffer: inout ByteBuffer) throws(RESPDecodingError) -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > limits.maxLineLength { throw RESPDecodingError(code: .lineTooLong) }
            return nil
        }
        let length = cr - view.startIndex
        if length > limits.maxLineLength { throw RESPDecodingError(code: .lineTooLong) }
        guard length + 1 < view.count else { return nil }
        guard view[cr + 1] == UInt8(ascii: "\n") else { throw RESPDecodingError(code: .missingTerminator) }
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    // MARK: Scalars

    static let crlf = UInt16(UInt8(ascii: "\r")) << 8 | UInt16(UInt8(ascii: "\n"))

    /// Parses an optionally signed decimal that fits in `Int64`, without allocating.
    static func parseInteger(_ line: ByteBuffer) -> Int64? {
        let bytes = line.readableBytesView
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
            guard index < bytes.endIndex else { return nil }
        }
        var value: Int64 = 0
        while index < bytes.endIndex {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative
                ? times10.subtractingReportingOverflow(Int64(digit))
                : times10.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        return value
    }

    static func parseDouble(_ line: ByteBuffer) -> Double? {
        let bytes = line.readableBytesView
        guard !bytes.isEmpty, bytes.count <= 512 else { return nil }
        // Only the characters RESP3 allows: digits, sign, point, exponent, and the words inf and nan.
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "f"),
                UInt8(ascii: "a"):
                continue
            default:
                return nil
            }
        }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    static func isBigNumber(_ line: ByteBuffer) -> Bool {
        var bytes = line.readableBytesView[...]
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            bytes = bytes.dropFirst()
        }
        return !bytes.isEmpty && bytes.allSatisfy { $0 &- UInt8(ascii: "0") < 10 }
    }
}

extension Int {
    /// Adds `other`, stopping at `Int.max` instead of overflowing.
    fileprivate mutating func addSaturating(_ other: Int) {
        let (sum, overflow) = self.addingReportingOverflow(other)
        self = overflow ? .max : sum
    }
}
