import NIOCore

/// A type that can be sent as one argument of a Redis command (one RESP bulk string).
public protocol RESPArgumentConvertible {
    /// Writes this value as a RESP bulk string (`$<length>\r\n<bytes>\r\n`) to the end of `buffer`.
    func writeRESPBulkString(into buffer: inout ByteBuffer)
}

extension String: RESPArgumentConvertible {
    /// Writes the UTF-8 bytes of the string.
    public func writeRESPBulkString(into buffer: inout ByteBuffer) {
        self[...].writeRESPBulkString(into: &buffer)
    }
}

extension Substring: RESPArgumentConvertible {
    /// Writes the UTF-8 bytes of the substring.
    public func writeRESPBulkString(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "$"))
        buffer.writeDecimal(Int64(self.utf8.count))
        buffer.writeCRLF()
        buffer.writeSubstring(self)
        buffer.writeCRLF()
    }
}

extension ByteBuffer: RESPArgumentConvertible {
    /// Writes the readable bytes, unchanged.
    public func writeRESPBulkString(into buffer: inout ByteBuffer) {
        buffer.writeBlob(type: "$", self)
    }
}

extension Int: RESPArgumentConvertible {
    /// Writes the decimal digits, as Redis expects integer arguments.
    public func writeRESPBulkString(into buffer: inout ByteBuffer) {
        Int64(self).writeRESPBulkString(into: &buffer)
    }
}

extension Int64: RESPArgumentConvertible {
    /// Writes the decimal digits, as Redis expects integer arguments.
    public func writeRESPBulkString(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "$"))
        // A signed 64-bit integer has at most 20 characters; count them without allocating.
        var length = self < 0 ? 2 : 1
        var rest = self.magnitude
        while rest >= 10 {
            rest /= 10
            length += 1
        }
        buffer.writeDecimal(Int64(length))
        buffer.writeCRLF()
        buffer.writeDecimal(self)
        buffer.writeCRLF()
    }
}

extension Double: RESPArgumentConvertible {
    /// Writes the shortest decimal that reads back as the same value (`inf`, `-inf` for infinities).
    public func writeRESPBulkString(into buffer: inout ByteBuffer) {
        self.description.writeRESPBulkString(into: &buffer)
    }
}

/// A Redis command, encoded once as a RESP array of bulk strings, ready to be written as is.
///
/// ```swift
/// let set = RESPCommand("SET", "greeting", "hello", "EX", 60)
/// ```
public struct RESPCommand: Sendable {
    /// The encoded command: `*<n>\r\n` followed by `n` bulk strings.
    public private(set) var bytes: ByteBuffer

    /// The command name as given, e.g. `"SET"`.
    public let name: String

    /// Encodes a command from its name and arguments of any ``RESPArgumentConvertible`` types.
    public init<each Argument: RESPArgumentConvertible>(_ name: String, _ arguments: repeat each Argument) {
        var count = 1
        for _ in repeat each arguments { count += 1 }
        var bytes = Self.header(name: name, count: count)
        for argument in repeat each arguments { argument.writeRESPBulkString(into: &bytes) }
        self.bytes = bytes
        self.name = name
    }

    /// Encodes a command from its name and a collection of arguments of one type.
    public init<Arguments: Collection>(_ name: String, arguments: Arguments)
    where Arguments.Element: RESPArgumentConvertible {
        var bytes = Self.header(name: name, count: arguments.count + 1)
        for argument in arguments { argument.writeRESPBulkString(into: &bytes) }
        self.bytes = bytes
        self.name = name
    }

    private static func header(name: String, count: Int) -> ByteBuffer {
        var bytes = ByteBuffer()
        bytes.reserveCapacity(64)
        bytes.writeInteger(UInt8(ascii: "*"))
        bytes.writeDecimal(Int64(count))
        bytes.writeCRLF()
        name.writeRESPBulkString(into: &bytes)
        return bytes
    }

    /// The arguments after the name, decoded back from ``bytes`` (for inspection and bookkeeping; slow).
    public var arguments: [ByteBuffer] {
        var copy = bytes
        guard case .array(let values)? = try? RESPDecoder().decode(from: &copy) else { return [] }
        return values.dropFirst().compactMap(\.bytes)
    }
}
