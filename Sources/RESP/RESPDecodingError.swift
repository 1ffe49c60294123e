/// Why bytes from a Redis server could not be decoded as RESP.
///
/// Every case means the stream can no longer be trusted: the connection must be closed.
public struct RESPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What rule the input broke. New codes may be added; switch with a `default` branch.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case unknownType = "unknown type byte"
            case unsupportedStreamedType = "streamed aggregate or string not supported"
            case invalidInteger = "invalid integer"
            case invalidLength = "invalid length"
            case invalidDouble = "invalid double"
            case invalidBoolean = "invalid boolean"
            case invalidBigNumber = "invalid big number"
            case invalidVerbatimString = "invalid verbatim string"
            case missingTerminator = "missing CRLF terminator"
            case bulkStringTooLong = "bulk string longer than the limit"
            case aggregateTooLarge = "aggregate has more elements than the limit"
            case nestingTooDeep = "aggregates nested deeper than the limit"
            case lineTooLong = "line longer than the limit"
        }

        let base: Base

        /// The type byte is none of RESP3's.
        public static let unknownType = Code(base: .unknownType)
        /// A streamed string or aggregate (`$?`, `*?`), which Redis never sends.
        public static let unsupportedStreamedType = Code(base: .unsupportedStreamedType)
        /// An integer line is not a signed 64-bit decimal.
        public static let invalidInteger = Code(base: .invalidInteger)
        /// A length is not a decimal number of at least 0 (or -1 where RESP2 allows null).
        public static let invalidLength = Code(base: .invalidLength)
        /// A double line is not a decimal, `inf`, `-inf` or `nan`.
        public static let invalidDouble = Code(base: .invalidDouble)
        /// A boolean line is not `t` or `f`.
        public static let invalidBoolean = Code(base: .invalidBoolean)
        /// A big number line is not an optional sign followed by digits.
        public static let invalidBigNumber = Code(base: .invalidBigNumber)
        /// A verbatim string lacks its `xxx:` format prefix.
        public static let invalidVerbatimString = Code(base: .invalidVerbatimString)
        /// A line or string payload is not followed by CR LF, or a line holds a bare CR.
        public static let missingTerminator = Code(base: .missingTerminator)
        /// A bulk string announces more bytes than ``RESPDecoder/Limits/maxBulkLength``.
        public static let bulkStringTooLong = Code(base: .bulkStringTooLong)
        /// An aggregate announces more elements than ``RESPDecoder/Limits/maxAggregateCount``.
        public static let aggregateTooLarge = Code(base: .aggregateTooLarge)
        /// Aggregates nest deeper than ``RESPDecoder/Limits/maxDepth``.
        public static let nestingTooDeep = Code(base: .nestingTooDeep)
        /// A line has no CR LF within ``RESPDecoder/Limits/maxLineLength`` bytes.
        public static let lineTooLong = Code(base: .lineTooLong)

        /// A short English description of the rule.
        public var description: String { base.rawValue }
    }

    /// What rule the input broke.
    public var code: Code

    /// Creates an error.
    public init(code: Code) {
        self.code = code
    }

    /// A short English description of the error.
    public var description: String { "RESP decoding error: \(code)" }
}
