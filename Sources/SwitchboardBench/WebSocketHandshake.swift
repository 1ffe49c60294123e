import SwitchboardWebSocket
import NIOCore

/// The client side of the WebSocket opening handshake (RFC 6455 §4.1) for
/// `GET /socket.io/?EIO=4&transport=websocket`.
struct WebSocketHandshake: Sendable {
    /// The `Sec-WebSocket-Key`: base64 of 16 random bytes, fresh per connection.
    let key: String
    /// The `Host` header value.
    let hostHeader: String
    /// The request path with query.
    let path: String

    /// The largest response head accepted, in bytes.
    static let maxResponseHeadSize = 8 * 1024

    init(hostHeader: String, path: String = "/socket.io/?EIO=4&transport=websocket", keyBytes: [UInt8]) {
        precondition(keyBytes.count == 16)
        self.key = WebSocketAcceptKey.base64(keyBytes)
        self.hostHeader = hostHeader
        self.path = path
    }

    /// A handshake with a fresh random key.
    init(hostHeader: String) {
        var rng = SystemRandomNumberGenerator()
        self.init(hostHeader: hostHeader, keyBytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// The value the server must send in `Sec-WebSocket-Accept` for `key`.
    static func expectedAccept(forKey key: String) -> String {
        WebSocketAcceptKey.accept(forKey: key)
    }

    /// Writes the upgrade request.
    func writeRequest(into buffer: inout ByteBuffer) {
        buffer.writeString("GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n")
    }

    /// Consumes the response head from `buffer` when complete; bytes after it stay in `buffer`
    /// (they are the first WebSocket frames). Returns `nil` when more bytes are needed, throws
    /// ``BenchError/Code/badHandshake`` when the response is not a valid 101 for this key.
    func parseResponse(_ buffer: inout ByteBuffer) throws(BenchError) -> Void? {
        let view = buffer.readableBytesView
        guard let end = Self.endOfHead(view) else {
            if view.count > Self.maxResponseHeadSize {
                throw BenchError(.badHandshake, "response head exceeds \(Self.maxResponseHeadSize) bytes")
            }
            return nil
        }
        let head = String(decoding: view[view.startIndex..<(view.startIndex + end)], as: UTF8.self)
        buffer.moveReaderIndex(forwardBy: end + 4)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let status = lines.first else { throw BenchError(.badHandshake, "empty response") }
        let statusParts = status.split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), statusParts[1] == "101" else {
            throw BenchError(.badHandshake, "expected 101 Switching Protocols, got '\(status)'")
        }
        var upgrade = false
        var connection = false
        var accept: Substring?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch name {
            case "upgrade": upgrade = value.lowercased() == "websocket"
            case "connection":
                connection = value.split(separator: ",").contains { $0.trimmingSpaces().lowercased() == "upgrade" }
            case "sec-websocket-accept": accept = value
            case "sec-websocket-extensions":
                throw BenchError(.badHandshake, "server selected an extension the client did not offer")
            default: break
            }
        }
        guard upgrade else { throw BenchError(.badHandshake, "missing 'Upgrade: websocket'") }
        guard connection else { throw BenchError(.badHandshake, "missing 'Connection: Upgrade'") }
        guard accept.map(String.init) == Self.expectedAccept(forKey: key) else {
            throw BenchError(.badHandshake, "wrong Sec-WebSocket-Accept")
        }
        return ()
    }

    /// The offset of `\r\n\r\n` in `bytes`, if present.
    private static func endOfHead(_ bytes: ByteBufferView) -> Int? {
        var i = bytes.startIndex
        let last = bytes.endIndex - 3
        while i < last {
            if bytes[i] == 13, bytes[i + 1] == 10, bytes[i + 2] == 13, bytes[i + 3] == 10 {
                return i - bytes.startIndex
            }
            i += 1
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
