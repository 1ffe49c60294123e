import NIOCore

/// One value of the Redis serialization protocol, RESP3, which also covers every RESP2 reply.
///
/// String payloads are kept as `ByteBuffer` slices of the received bytes, so decoding copies nothing.
/// RESP2's null bulk string (`$-1`) and null array (`*-1`) decode to ``null``, like RESP3's `_`.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`: a short status line without CR or LF.
    case simpleString(ByteBuffer)
    /// `-ERR message`: an error line; the first word is the error code.
    case simpleError(ByteBuffer)
    /// `:42`: a signed 64-bit integer.
    case integer(Int64)
    /// `$5\r\nhello`: a binary-safe string.
    case bulkString(ByteBuffer)
    /// `!21\r\nSYNTAX invalid syntax`: a binary-safe error (RESP3).
    case bulkError(ByteBuffer)
    /// `_` (RESP3), `$-1` or `*-1` (RESP2): no value.
    case null
    /// `*2\r\n...`: an ordered list of values.
    case array([RESPValue])
    /// `%1\r\n...`: key-value pairs in the order received (RESP3).
    case map([RESPPair])
    /// `~2\r\n...`: an unordered collection, kept in the order received (RESP3).
    case set([RESPValue])
    /// `,3.14`: a floating point number, including `inf`, `-inf` and `nan` (RESP3).
    case double(Double)
    /// `#t` or `#f` (RESP3).
    case boolean(Bool)
    /// `(3492890328409238509324850943850943825024385`: an integer of any size, as its ASCII digits with
    /// an optional leading sign (RESP3).
    case bigNumber(ByteBuffer)
    /// `=15\r\ntxt:Some string`: a string with a three-character format such as `txt` or `mkd` (RESP3).
    case verbatimString(format: String, content: ByteBuffer)
    /// `>3\r\n...`: out-of-band data the server sends on its own, such as pub/sub messages (RESP3).
    case push([RESPValue])
    /// `|1\r\n...` followed by a value: auxiliary key-value data attached to a reply (RESP3).
    indirect case attributed(RESPValue, attributes: [RESPPair])
}

/// One key-value pair of a RESP3 ``RESPValue/map(_:)`` or attribute.
public struct RESPPair: Sendable, Hashable {
    /// The key.
    public var key: RESPValue
    /// The value.
    public var value: RESPValue

    /// Creates a pair.
    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}

extension RESPValue {
    /// Whether this is an error reply (``simpleError(_:)`` or ``bulkError(_:)``).
    public var isError: Bool {
        switch self {
        case .simpleError, .bulkError: true
        case .attributed(let value, _): value.isError
        default: false
        }
    }

    /// The text of a simple, bulk or verbatim string, error or big number, decoded as UTF-8 (invalid
    /// sequences are repaired); `nil` for other kinds.
    public var string: String? {
        switch self {
        case .simpleString(let bytes), .bulkString(let bytes), .simpleError(let bytes), .bulkError(let bytes),
            .bigNumber(let bytes), .verbatimString(_, let bytes):
            String(buffer: bytes)
        case .attributed(let value, _): value.string
        default: nil
        }
    }

    /// The bytes of a simple, bulk or verbatim string; `nil` for other kinds.
    public var bytes: ByteBuffer? {
        switch self {
        case .simpleString(let bytes), .bulkString(let bytes), .verbatimString(_, let bytes): bytes
        case .attributed(let value, _): value.bytes
        default: nil
        }
    }

    /// The value of an ``integer(_:)``, or of a string that holds a decimal integer; `nil` otherwise.
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .simpleString(let bytes), .bulkString(let bytes): Int64(String(buffer: bytes))
        case .attributed(let value, _): value.integer
        default: nil
        }
    }

    /// The elements of an ``array(_:)``, ``set(_:)`` or ``push(_:)``; `nil` for other kinds.
    public var elements: [RESPValue]? {
        switch self {
        case .array(let values), .set(let values), .push(let values): values
        case .attributed(let value, _): value.elements
        default: nil
        }
    }

    /// Whether this is ``null``.
    public var isNull: Bool {
        switch self {
        case .null: true
        case .attributed(let value, _): value.isNull
        default: false
        }
    }
}

extension RESPValue: ExpressibleByStringLiteral {
    /// Creates a ``bulkString(_:)`` holding the UTF-8 bytes of `value`.
    public init(stringLiteral value: String) {
        self = .bulkString(ByteBuffer(string: value))
    }
}

extension RESPValue: ExpressibleByIntegerLiteral {
    /// Creates an ``integer(_:)``.
    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }
}
