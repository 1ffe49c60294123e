import NIOCore

/// The server's own view, from the `stats` event's ack: `[{"rss": …, "clients": …, "pid": …}]`.
public struct ServerStats: Codable, Hashable, Sendable {
    /// Resident set size the server reports, bytes.
    public var rss: UInt64
    /// Connected Socket.IO clients the server counts.
    public var clients: UInt64
    /// The server's process id.
    public var pid: Int32

    /// Reads the three numbers from the ack arguments; `nil` when one is missing. Whitespace and key
    /// order are free; other keys are ignored.
    static func parse(arguments: ByteBuffer) -> ServerStats? {
        let bytes = arguments.readableBytesView
        guard let rss = number(after: "rss", in: bytes),
              let clients = number(after: "clients", in: bytes),
              let pid = number(after: "pid", in: bytes), pid <= UInt64(Int32.max)
        else { return nil }
        return ServerStats(rss: rss, clients: clients, pid: Int32(pid))
    }

    /// The unsigned integer following `"key"` and a colon.
    private static func number(after key: String, in bytes: ByteBufferView) -> UInt64? {
        let needle = Array("\"\(key)\"".utf8)
        var i = bytes.startIndex
        while i + needle.count <= bytes.endIndex {
            if bytes[i..<(i + needle.count)].elementsEqual(needle) {
                var j = i + needle.count
                while j < bytes.endIndex, bytes[j] == UInt8(ascii: " ") { j += 1 }
                guard j < bytes.endIndex, bytes[j] == UInt8(ascii: ":") else { return nil }
                j += 1
                while j < bytes.endIndex, bytes[j] == UInt8(ascii: " ") { j += 1 }
                var value: UInt64 = 0
                var digits = 0
                while j < bytes.endIndex, bytes[j] >= 48, bytes[j] <= 57, digits < 19 {
                    value = value * 10 + UInt64(bytes[j] - 48)
                    digits += 1
                    j += 1
                }
                return digits > 0 ? value : nil
            }
            i += 1
        }
        return nil
    }
}
