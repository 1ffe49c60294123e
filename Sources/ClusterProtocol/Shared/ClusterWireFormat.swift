import NIOCore
import SwitchboardJSON

/// The primitive fields of the cluster wire format, big-endian: strings and byte blobs with a `UInt32`
/// length, sets and lists with a `UInt32` count, JSON values as tagged binary (binary leaves included,
/// integers and doubles kept apart).
extension ByteBuffer {
    mutating func writeClusterString(_ string: String) {
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        let written = writeString(string)
        setInteger(UInt32(written), at: lengthIndex)
    }

    mutating func writeClusterBlob(_ blob: ByteBuffer) {
        writeInteger(UInt32(blob.readableBytes))
        writeImmutableBuffer(blob)
    }

    mutating func writeClusterStrings(_ strings: some Collection<String>) {
        writeInteger(UInt32(strings.count))
        for string in strings { writeClusterString(string) }
    }

    mutating func writeClusterBool(_ value: Bool) {
        writeInteger(value ? UInt8(1) : UInt8(0))
    }

    mutating func writeClusterJSONs(_ values: [JSONValue]) {
        writeInteger(UInt32(values.count))
        for value in values { writeClusterJSON(value) }
    }

    mutating func writeClusterJSON(_ value: JSONValue) {
        switch value {
        case .null: writeInteger(JSONTag.null.rawValue)
        case .bool(let flag): writeInteger(flag ? JSONTag.true.rawValue : JSONTag.false.rawValue)
        case .int(let number):
            writeInteger(JSONTag.int.rawValue)
            writeInteger(number)
        case .double(let number):
            writeInteger(JSONTag.double.rawValue)
            writeInteger(number.bitPattern)
        case .string(let string):
            writeInteger(JSONTag.string.rawValue)
            writeClusterString(string)
        case .array(let elements):
            writeInteger(JSONTag.array.rawValue)
            writeClusterJSONs(elements)
        case .object(let object):
            writeInteger(JSONTag.object.rawValue)
            writeInteger(UInt32(object.count))
            for (key, member) in object {
                writeClusterString(key)
                writeClusterJSON(member)
            }
        case .binary(let bytes):
            writeInteger(JSONTag.binary.rawValue)
            writeClusterBlob(bytes)
        }
    }
}

/// Tags of JSON values on the wire.
enum JSONTag: UInt8 {
    case null = 0, `false`, `true`, int, double, string, array, object, binary
}

/// Reads the fields ``ByteBuffer``'s `writeCluster…` methods wrote, with typed errors and bounds
/// checked before anything is allocated.
struct ClusterWireReader {
    var buffer: ByteBuffer
    /// The deepest nesting of JSON arrays and objects accepted.
    let maximumDepth: Int

    init(_ buffer: ByteBuffer, maximumDepth: Int = 128) {
        self.buffer = buffer
        self.maximumDepth = maximumDepth
    }

    mutating func integer<I: FixedWidthInteger>(as type: I.Type = I.self, _ field: StaticString) throws(ClusterDecodingError) -> I {
        guard let value = buffer.readInteger(as: I.self) else { throw Self.truncated(field) }
        return value
    }

    mutating func bool(_ field: StaticString) throws(ClusterDecodingError) -> Bool {
        switch try integer(as: UInt8.self, field) {
        case 0: return false
        case 1: return true
        default: throw ClusterDecodingError(code: .invalidValue, message: "\(field) is not 0 or 1")
        }
    }

    /// A count of elements that each take at least `minimumElementSize` bytes: rejected at once if the
    /// remaining bytes cannot hold that many.
    mutating func count(_ field: StaticString, minimumElementSize: Int) throws(ClusterDecodingError) -> Int {
        let count = Int(try integer(as: UInt32.self, field))
        guard count <= buffer.readableBytes / max(1, minimumElementSize) else { throw Self.truncated(field) }
        return count
    }

    mutating func blob(_ field: StaticString) throws(ClusterDecodingError) -> ByteBuffer {
        let length = Int(try integer(as: UInt32.self, field))
        guard let slice = buffer.readSlice(length: length) else { throw Self.truncated(field) }
        return slice
    }

    mutating func string(_ field: StaticString) throws(ClusterDecodingError) -> String {
        let bytes = try blob(field)
        guard let string = try? bytes.getUTF8ValidatedString(at: bytes.readerIndex, length: bytes.readableBytes) else {
            throw ClusterDecodingError(code: .invalidUTF8, message: "\(field) is not valid UTF-8")
        }
        return string
    }

    mutating func strings(_ field: StaticString) throws(ClusterDecodingError) -> [String] {
        let count = try self.count(field, minimumElementSize: 4)
        var strings: [String] = []
        strings.reserveCapacity(count)
        for _ in 0..<count { strings.append(try string(field)) }
        return strings
    }

    mutating func jsons(_ field: StaticString, depth: Int = 0) throws(ClusterDecodingError) -> [JSONValue] {
        let count = try self.count(field, minimumElementSize: 1)
        var values: [JSONValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try json(field, depth: depth)) }
        return values
    }

    mutating func json(_ field: StaticString, depth: Int = 0) throws(ClusterDecodingError) -> JSONValue {
        guard let tag = JSONTag(rawValue: try integer(as: UInt8.self, field)) else {
            throw ClusterDecodingError(code: .unknownKind, message: "\(field): unknown JSON tag")
        }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .int: return .int(try integer(as: Int64.self, field))
        case .double: return .double(Double(bitPattern: try integer(as: UInt64.self, field)))
        case .string: return .string(try string(field))
        case .binary: return .binary(try blob(field))
        case .array:
            guard depth < maximumDepth else { throw Self.tooDeep(field) }
            return .array(try jsons(field, depth: depth + 1))
        case .object:
            guard depth < maximumDepth else { throw Self.tooDeep(field) }
            let count = try self.count(field, minimumElementSize: 5)
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(count)
            for _ in 0..<count {
                let key = try string(field)
                members.append((key, try json(field, depth: depth + 1)))
            }
            return .object(JSONObject(members))
        }
    }

    /// Throws unless every byte was read.
    func finish() throws(ClusterDecodingError) {
        guard buffer.readableBytes == 0 else {
            throw ClusterDecodingError(code: .trailingBytes, message: "\(buffer.readableBytes) bytes after the last field")
        }
    }

    static func truncated(_ field: StaticString) -> ClusterDecodingError {
        ClusterDecodingError(code: .truncated, message: "the bytes end inside \(field)")
    }

    static func tooDeep(_ field: StaticString) -> ClusterDecodingError {
        ClusterDecodingError(code: .invalidValue, message: "\(field) nests deeper than the limit")
    }
}
