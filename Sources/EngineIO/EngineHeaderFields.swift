/// A request target and its header fields packed into one byte array, for a handshake that is kept for a
/// whole session.
///
/// An array of `(name, value)` string pairs costs an allocation for the array and one per string longer
/// than 15 bytes (the target, `Sec-WebSocket-Key` and its value, `User-Agent`, …); this keeps them all in one
/// allocation and decodes them only when someone reads them. Layout: the target's UTF-8 length and bytes, then
/// per field in arrival order the name's length, the name, the value's length, the value. A length below 255
/// takes one byte; longer ones are `0xFF` followed by four bytes, little-endian.
package struct EngineHeaderFields: Sendable, Hashable {
    private var bytes: [UInt8]

    /// Packs `target` and `fields` (names as sent).
    package init<Fields: Sequence>(target: String = "", _ fields: Fields) where Fields.Element == (name: String, value: String) {
        var size = Self.lengthSize(target.utf8.count) + target.utf8.count
        for field in fields {
            size += Self.lengthSize(field.name.utf8.count) + field.name.utf8.count
            size += Self.lengthSize(field.value.utf8.count) + field.value.utf8.count
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        Self.append(target, to: &bytes)
        for field in fields {
            Self.append(field.name, to: &bytes)
            Self.append(field.value, to: &bytes)
        }
        self.bytes = bytes
    }

    /// The request target (path and query).
    package var target: String {
        var offset = 0
        return readString(at: &offset)
    }

    /// Offset of the first field (after the target).
    private var fieldsStart: Int {
        var offset = 0
        _ = readRange(at: &offset)
        return offset
    }

    /// The fields in arrival order.
    package var fields: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var offset = fieldsStart
        while offset < bytes.count {
            let name = readString(at: &offset)
            let value = readString(at: &offset)
            result.append((name, value))
        }
        return result
    }

    /// The value of the first field named `name` (ASCII case-insensitive), if any.
    package func first(named name: String) -> String? {
        var offset = fieldsStart
        while offset < bytes.count {
            let nameRange = readRange(at: &offset)
            let valueRange = readRange(at: &offset)
            if Self.equalsIgnoringASCIICase(bytes[nameRange], name.utf8) {
                return String(decoding: bytes[valueRange], as: UTF8.self)
            }
        }
        return nil
    }

    private static func lengthSize(_ length: Int) -> Int { length < 255 ? 1 : 5 }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        let length = text.utf8.count
        if length < 255 {
            bytes.append(UInt8(length))
        } else {
            bytes.append(0xFF)
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: UInt32(length) >> shift)) }
        }
        bytes.append(contentsOf: text.utf8)
    }

    private func readRange(at offset: inout Int) -> Range<Int> {
        var length = Int(bytes[offset])
        offset += 1
        if length == 0xFF {
            length = 0
            for index in 0..<4 { length |= Int(bytes[offset + index]) << (8 * index) }
            offset += 4
        }
        defer { offset += length }
        return offset..<(offset + length)
    }

    private func readString(at offset: inout Int) -> String {
        String(decoding: bytes[readRange(at: &offset)], as: UTF8.self)
    }

    private static func equalsIgnoringASCIICase(_ stored: ArraySlice<UInt8>, _ other: String.UTF8View) -> Bool {
        guard stored.count == other.count else { return false }
        return zip(stored, other).allSatisfy { lowercasedASCII($0) == lowercasedASCII($1) }
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
