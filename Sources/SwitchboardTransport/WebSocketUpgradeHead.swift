import NIOHTTP1

/// Recognises, from the first bytes of a plain-TCP connection, a request head that is a well-formed WebSocket
/// upgrade (I/O-free; ``FirstRequestHandler`` uses it to skip NIO's HTTP pipeline for such connections).
///
/// It accepts only a strict subset of HTTP/1.1: `GET <origin-form target> HTTP/1.1`, CRLF line ends, token header
/// names, printable-ASCII values, no obsolete line folding, no `Content-Length` or `Transfer-Encoding`, exactly one
/// `Upgrade: websocket`, a `Connection` list naming `upgrade`, exactly one `Sec-WebSocket-Key` and
/// `Sec-WebSocket-Version: 13`. Anything else is ``Outcome/other``: the connection then gets the full HTTP pipeline,
/// which answers it exactly as before (including every error response).
enum WebSocketUpgradeHead {
    /// What the bytes read so far hold.
    enum Outcome: Equatable {
        /// No complete head yet (and not too long yet): read more.
        case incomplete
        /// Not a request this fast path takes: use the HTTP pipeline.
        case other
        /// A WebSocket upgrade request head of `length` bytes (what follows belongs to the WebSocket).
        case upgrade(HTTPRequestHead, key: String, length: Int)
    }

    /// The longest head the fast path waits for; longer heads go to the HTTP pipeline.
    static let maximumLength = 8_192

    /// Classifies `bytes`, the start of a connection's input.
    static func classify<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> Outcome where Bytes.Element == UInt8, Bytes.Index == Int {
        let start = bytes.startIndex
        guard let end = headEnd(bytes) else {
            // Give up early on input that cannot start a GET.
            let prefix: [UInt8] = Array("GET /".utf8)
            for (offset, byte) in bytes.prefix(prefix.count).enumerated() where byte != prefix[offset] { return .other }
            return bytes.count >= maximumLength ? .other : .incomplete
        }
        guard end - start <= maximumLength else { return .other }
        // Lines of the head, without their CRLF (the empty last line excluded).
        var lines: [Bytes.SubSequence] = []
        var lineStart = start
        var index = start
        while index < end - 2 {
            if bytes[index] == UInt8(ascii: "\r") {
                guard bytes[index + 1] == UInt8(ascii: "\n") else { return .other }
                lines.append(bytes[lineStart..<index])
                index += 2
                lineStart = index
            } else if bytes[index] == UInt8(ascii: "\n") {
                return .other
            } else {
                index += 1
            }
        }
        guard let requestLine = lines.first, let target = requestTarget(requestLine) else { return .other }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let (name, value) = header(line) else { return .other }
            headers.add(name: name, value: value)
        }
        guard headers["content-length"].isEmpty, headers["transfer-encoding"].isEmpty else { return .other }
        let upgrades = headers["upgrade"]
        guard upgrades.count == 1, upgrades[0].lowercased() == "websocket" else { return .other }
        let connection = headers[canonicalForm: "connection"].map { $0.lowercased() }
        guard connection.contains("upgrade") else { return .other }
        let keys = headers["sec-websocket-key"]
        guard keys.count == 1, !keys[0].isEmpty, !keys[0].contains(",") else { return .other }
        guard headers["sec-websocket-version"] == ["13"] else { return .other }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: headers)
        return .upgrade(head, key: keys[0], length: end - start)
    }

    /// The index just past the head's closing CRLF CRLF, if the bytes hold it.
    private static func headEnd<Bytes: RandomAccessCollection>(_ bytes: Bytes) -> Int? where Bytes.Element == UInt8, Bytes.Index == Int {
        var index = bytes.startIndex
        let last = min(bytes.endIndex, bytes.startIndex + maximumLength + 4) - 3
        while index < last {
            if bytes[index] == UInt8(ascii: "\r"), bytes[index + 1] == UInt8(ascii: "\n"),
                bytes[index + 2] == UInt8(ascii: "\r"), bytes[index + 3] == UInt8(ascii: "\n")
            {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    /// The target of `GET <target> HTTP/1.1`, when the line is exactly that with an origin-form target.
    private static func requestTarget<Line: RandomAccessCollection>(_ line: Line) -> String? where Line.Element == UInt8 {
        let method: [UInt8] = Array("GET ".utf8)
        let version: [UInt8] = Array(" HTTP/1.1".utf8)
        guard line.count > method.count + version.count, line.starts(with: method), line.reversed().starts(with: version.reversed())
        else { return nil }
        let target = line.dropFirst(method.count).dropLast(version.count)
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: target, as: UTF8.self)
    }

    /// `name: value` with a token name and a printable-ASCII value (surrounding blanks trimmed).
    private static func header<Line: RandomAccessCollection>(_ line: Line) -> (String, String)? where Line.Element == UInt8 {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else { return nil }
        var value = line[line.index(after: colon)...]
        guard value.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) else { return nil }
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
