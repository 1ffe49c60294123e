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
        try writer.write(value)
        buffer.writeBytes(writer.output)
    }

    /// Writes `value` into `buffer`, replacing every binary leaf with the Socket.IO placeholder
    /// `{"_placeholder":true,"num":N}` and returning the leaves in order of `N`.
    public static func writeReplacingBinary(
        _ value: JSONValue, into buffer: inout ByteBuffer
    ) -> [ByteBuffer] {
        var writer = JSONWriter(binaryPolicy: .placeholder)
        // The placeholder policy never throws.
        try? writer.write(value)
        buffer.writeBytes(writer.output)
        return writer.attachments
    }

    /// The compact JSON text of `value`; throws if it contains a binary leaf.
    public static func string(_ value: JSONValue) throws(JSONSerializationError) -> String {
        var writer = JSONWriter(binaryPolicy: .reject)
        try writer.write(value)
        return String(decoding: writer.output, as: UTF8.self)
    }
}

extension JSONValue {
    /// The compact JSON text of the value; binary leaves are written as Socket.IO placeholders.
    public var jsonString: String {
        var writer = JSONWriter(binaryPolicy: .placeholder)
        try? writer.write(self)
        return String(decoding: writer.output, as: UTF8.self)
    }
}

/// Serializes into a byte array (cheaper per byte than many small `ByteBuffer` writes); the caller
/// copies the result into its buffer once.
struct JSONWriter {
    enum BinaryPolicy { case reject, placeholder }
    let binaryPolicy: BinaryPolicy
    var attachments: [ByteBuffer] = []
    var output: [UInt8] = []

    init(binaryPolicy: BinaryPolicy) {
        self.binaryPolicy = binaryPolicy
        output.reserveCapacity(256)
    }

    mutating func write(_ value: JSONValue) throws(JSONSerializationError) {
        switch value {
        case .null:
            append("null")
        case .bool(let flag):
            append(flag ? "true" : "false")
        case .int(let number):
            writeInteger(number)
        case .double(let number):
            writeDouble(number)
        case .string(let string):
            writeString(string)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                try write(element)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            var first = true
            for member in object.members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(member.key)
                output.append(UInt8(ascii: ":"))
                try write(member.value)
            }
            output.append(UInt8(ascii: "}"))
        case .binary(let bytes):
            switch binaryPolicy {
            case .reject:
                throw JSONSerializationError(code: .binaryLeaf)
            case .placeholder:
                append("{\"_placeholder\":true,\"num\":")
                writeInteger(Int64(attachments.count))
                output.append(UInt8(ascii: "}"))
                attachments.append(bytes)
            }
        }
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func writeInteger(_ number: Int64) {
        if number >= 0 && number < 10 {
            output.append(UInt8(ascii: "0") + UInt8(number))
            return
        }
        var magnitude = number.magnitude
        // 20 digits hold any UInt64 in decimal, plus the sign.
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
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[position..<21]))
        }
    }

    mutating func writeDouble(_ number: Double) {
        guard number.isFinite else {
            append("null")
            return
        }
        if number == 0 {
            output.append(UInt8(ascii: "0"))  // also -0, as in JavaScript
            return
        }
        if number == number.rounded(.towardZero), number.magnitude < 1e15, let exact = Int64(exactly: number) {
            writeInteger(exact)
            return
        }
        let swiftText = number.description
        if !swiftText.utf8.contains(UInt8(ascii: "e")) {
            // Plain decimal notation of a non-integral value: Swift and JavaScript print the same
            // shortest digits the same way.
            output.append(contentsOf: swiftText.utf8)
            return
        }
        output.append(contentsOf: JavaScriptNumberFormat.format(number).utf8)
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

    mutating func writeString(_ string: String) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard Self.needsEscape(byte) else { continue }
                if runStart < index { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case 0x08: append("\\b")
                case 0x0C: append("\\f")
                case 0x0A: append("\\n")
                case 0x0D: append("\\r")
                case 0x09: append("\\t")
                default:
                    append("\\u00")
                    output.append(Self.hexDigit(byte >> 4))
                    output.append(Self.hexDigit(byte & 0xF))
                }
            }
            if runStart < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        output.append(UInt8(ascii: "\""))
    }
}
