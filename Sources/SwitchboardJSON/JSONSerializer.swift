import NIOCore

/// Writes ``JSONValue``s as compact JSON (no whitespace) with the output of JavaScript's `JSON.stringify`.
///
/// Strings are escaped as `JSON.stringify` does (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control
/// characters as `\u00xx`, everything else raw UTF-8); doubles are formatted like JavaScript numbers
/// (`1.5`, `1e-7`, `1e+21`, integral values without `.0`); NaN and infinities become `null`.
public enum JSONSerializer {
    /// Writes `value` into `buffer`; throws if it contains a ``JSONValue/binary(_:)`` leaf.
    public static func write(_ value: JSONValue, into buffer: inout ByteBuffer) throws(JSONSerializationError) {
        var writer = JSONWriter(binaryPolicy: .reject)
        try writer.write(value, into: &buffer)
    }

    /// Writes `value` into `buffer`, replacing every binary leaf with the Socket.IO placeholder
    /// `{"_placeholder":true,"num":N}` and returning the leaves in order of `N`.
    public static func writeReplacingBinary(
        _ value: JSONValue, into buffer: inout ByteBuffer
    ) -> [ByteBuffer] {
        var writer = JSONWriter(binaryPolicy: .placeholder)
        // The placeholder policy never throws.
        try? writer.write(value, into: &buffer)
        return writer.attachments
    }

    /// The compact JSON text of `value`; throws if it contains a binary leaf.
    public static func string(_ value: JSONValue) throws(JSONSerializationError) -> String {
        var buffer = ByteBuffer()
        try write(value, into: &buffer)
        return String(buffer: buffer)
    }
}

extension JSONValue {
    /// The compact JSON text of the value; binary leaves are written as Socket.IO placeholders.
    public var jsonString: String {
        var buffer = ByteBuffer()
        _ = JSONSerializer.writeReplacingBinary(self, into: &buffer)
        return String(buffer: buffer)
    }
}

struct JSONWriter {
    enum BinaryPolicy { case reject, placeholder }
    let binaryPolicy: BinaryPolicy
    var attachments: [ByteBuffer] = []

    init(binaryPolicy: BinaryPolicy) {
        self.binaryPolicy = binaryPolicy
    }

    mutating func write(_ value: JSONValue, into buffer: inout ByteBuffer) throws(JSONSerializationError) {
        switch value {
        case .null:
            buffer.writeStaticString("null")
        case .bool(let flag):
            buffer.writeStaticString(flag ? "true" : "false")
        case .int(let number):
            Self.writeInteger(number, into: &buffer)
        case .double(let number):
            Self.writeDouble(number, into: &buffer)
        case .string(let string):
            Self.writeString(string, into: &buffer)
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                try write(element, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let object):
            buffer.writeInteger(UInt8(ascii: "{"))
            var first = true
            for member in object.members {
                if !first { buffer.writeInteger(UInt8(ascii: ",")) }
                first = false
                Self.writeString(member.key, into: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                try write(member.value, into: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        case .binary(let bytes):
            switch binaryPolicy {
            case .reject:
                throw JSONSerializationError(code: .binaryLeaf)
            case .placeholder:
                buffer.writeStaticString("{\"_placeholder\":true,\"num\":")
                Self.writeInteger(Int64(attachments.count), into: &buffer)
                buffer.writeInteger(UInt8(ascii: "}"))
                attachments.append(bytes)
            }
        }
    }

    static func writeInteger(_ number: Int64, into buffer: inout ByteBuffer) {
        if number >= 0 && number < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(number))
            return
        }
        var magnitude = number.magnitude
        // 20 bytes hold any UInt64 in decimal.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { digits in
            var position = 21
            repeat {
                position -= 1
                digits[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if number < 0 {
                position -= 1
                digits[position] = UInt8(ascii: "-")
            }
            buffer.writeBytes(UnsafeBufferPointer(rebasing: digits[position..<21]))
        }
    }

    static func writeDouble(_ number: Double, into buffer: inout ByteBuffer) {
        guard number.isFinite else {
            buffer.writeStaticString("null")
            return
        }
        if number == 0 {
            buffer.writeInteger(UInt8(ascii: "0"))  // also -0, as in JavaScript
            return
        }
        if number == number.rounded(.towardZero), number.magnitude < 1e15, let exact = Int64(exactly: number) {
            writeInteger(exact, into: &buffer)
            return
        }
        buffer.writeString(JavaScriptNumberFormat.format(number))
    }

    /// Bytes that need escaping: `"`, `\` and everything below 0x20.
    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    static func writeString(_ string: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard needsEscape(byte) else { continue }
                if runStart < index { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hexDigit(byte >> 4))
                    buffer.writeInteger(hexDigit(byte & 0xF))
                }
            }
            if runStart < bytes.count { buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
