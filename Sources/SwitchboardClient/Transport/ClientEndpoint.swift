import EngineIO

/// Where an Engine.IO server is, parsed from `http://host:port/namespace` (or `ws://`, `https://`, `wss://`).
struct ClientEndpoint: Sendable, Hashable {
    var host: String
    var port: Int
    /// Whether connections use TLS (`https://`, `wss://`).
    var isSecure: Bool
    /// The namespace from the URL path, `/` when empty.
    var namespace: String
    /// The Engine.IO path, with leading and trailing `/`.
    var path: String

    /// Parses `url`; `nil` for anything but `http`, `ws`, `https` or `wss` with a host.
    init?(url: String, path: String) {
        var rest = Substring(url)
        let schemes: [(prefix: String, secure: Bool)] = [("http://", false), ("ws://", false), ("https://", true), ("wss://", true)]
        guard let scheme = schemes.first(where: { rest.hasPrefix($0.prefix) }) else { return nil }
        rest = rest.dropFirst(scheme.prefix.count)
        self.isSecure = scheme.secure
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var pathPart = rest[authorityEnd...]
        if let question = pathPart.firstIndex(of: "?") { pathPart = pathPart[..<question] }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else { return nil }
            self.host = String(authority[..<colon])
            self.port = port
        } else {
            self.host = String(authority)
            self.port = scheme.secure ? 443 : 80
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.namespace = pathPart.isEmpty || pathPart == "/" ? "/" : String(pathPart)
        var enginePath = path.hasPrefix("/") ? path : "/" + path
        if !enginePath.hasSuffix("/") { enginePath += "/" }
        self.path = enginePath
    }

    /// Parses `url` for a client with `options`.
    ///
    /// - Throws: ``SocketIOClientError/Code/invalidURL`` when `url` is not `http(s)://` or `ws(s)://`, or
    ///   is `https://`/`wss://` without ``SocketIOClientOptions/tls``.
    static func parse(url: String, options: SocketIOClientOptions) throws(SocketIOClientError) -> ClientEndpoint {
        guard let endpoint = ClientEndpoint(url: url, path: options.path) else {
            throw SocketIOClientError(code: .invalidURL, message: "cannot connect to '\(url)'")
        }
        guard !endpoint.isSecure || options.tls != nil else {
            throw SocketIOClientError(
                code: .invalidURL, message: "'\(url)' needs SocketIOClientOptions.tls (module SwitchboardClientTLS)"
            )
        }
        return endpoint
    }

    /// The manager cache key: one engine connection per scheme, host, port and path.
    var connectionKey: String { "\(isSecure ? "https" : "http")://\(host):\(port)\(path)" }

    /// The `Host` header value.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isSecure ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// The request target for an Engine.IO request.
    func requestURI(
        transport: EngineTransportKind, sid: String?, query: [(name: String, value: String)], cacheBuster: String?
    ) -> String {
        var uri = path + "?EIO=4&transport=" + transport.rawValue
        if let sid { uri += "&sid=" + Self.percentEncode(sid) }
        if let cacheBuster { uri += "&t=" + cacheBuster }
        for (name, value) in query {
            uri += "&" + Self.percentEncode(name) + "=" + Self.percentEncode(value)
        }
        return uri
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                result += "%"
                result.unicodeScalars.append(hex[Int(byte >> 4)])
                result.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return result
    }
}
