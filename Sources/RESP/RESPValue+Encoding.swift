import NIOCore

extension RESPValue {
    /// Writes this value in RESP3 form (``null`` as `_`) to the end of `buffer`.
    ///
    /// Clients send commands with ``RESPCommand``; this serves servers, proxies and tests.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .simpleString(let line):
            buffer.writeInteger(UInt8(ascii: "+"))
            buffer.writeImmutableBuffer(line)
            buffer.writeCRLF()
        case .simpleError(let line):
            buffer.writeInteger(UInt8(ascii: "-"))
            buffer.writeImmutableBuffer(line)
            buffer.writeCRLF()
        case .integer(let value):
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeDecimal(value)
            buffer.writeCRLF()
        case .bulkString(let payload):
            buffer.writeBlob(type: "$", payload)
        case .bulkError(let payload):
            buffer.writeBlob(type: "!", payload)
        case .verbatimString(let format, let content):
            buffer.writeInteger(UInt8(ascii: "="))
            buffer.writeDecimal(Int64(content.readableBytes + format.utf8.count + 1))
            buffer.writeCRLF()
            buffer.writeString(format)
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeImmutableBuffer(content)
            buffer.writeCRLF()
        case .null:
            buffer.writeInteger(UInt8(ascii: "_"))
            buffer.writeCRLF()
        case .boolean(let value):
            buffer.writeInteger(UInt8(ascii: "#"))
            buffer.writeInteger(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            buffer.writeCRLF()
        case .double(let value):
            buffer.writeInteger(UInt8(ascii: ","))
            buffer.writeString(value.isNaN ? "nan" : value.description)
            buffer.writeCRLF()
        case .bigNumber(let digits):
            buffer.writeInteger(UInt8(ascii: "("))
            buffer.writeImmutableBuffer(digits)
            buffer.writeCRLF()
        case .array(let elements):
            buffer.writeAggregate(type: "*", elements)
        case .set(let elements):
            buffer.writeAggregate(type: "~", elements)
        case .push(let elements):
            buffer.writeAggregate(type: ">", elements)
        case .map(let pairs):
            buffer.writePairs(type: "%", pairs)
        case .attributed(let value, let attributes):
            buffer.writePairs(type: "|", attributes)
            value.encode(into: &buffer)
        }
    }
}

extension ByteBuffer {
    mutating func writeCRLF() {
        self.writeInteger(UInt16(UInt8(ascii: "\r")) << 8 | UInt16(UInt8(ascii: "\n")))
    }

    /// Writes the ASCII decimal digits of `value` without allocating.
    mutating func writeDecimal(_ value: Int64) {
        if value < 0 { self.writeInteger(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        while magnitude / divisor >= 10 { divisor &*= 10 }
        while divisor > 0 {
            self.writeInteger(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: (magnitude / divisor) % 10))
            divisor /= 10
        }
    }

    mutating func writeBlob(type: Unicode.Scalar, _ payload: ByteBuffer) {
        self.writeInteger(UInt8(ascii: type))
        self.writeDecimal(Int64(payload.readableBytes))
        self.writeCRLF()
        self.writeImmutableBuffer(payload)
        self.writeCRLF()
    }

    mutating func writeAggregate(type: Unicode.Scalar, _ elements: [RESPValue]) {
        self.writeInteger(UInt8(ascii: type))
        self.writeDecimal(Int64(elements.count))
        self.writeCRLF()
        for element in elements { element.encode(into: &self) }
    }

    mutating func writePairs(type: Unicode.Scalar, _ pairs: [RESPPair]) {
        self.writeInteger(UInt8(ascii: type))
        self.writeDecimal(Int64(pairs.count))
        self.writeCRLF()
        for pair in pairs {
            pair.key.encode(into: &self)
            pair.value.encode(into: &self)
        }
    }
}
