import RESP

/// Where and how to connect to a Redis server.
public struct RedisConfiguration: Sendable, Hashable {
    /// Host name or IP address. Default `127.0.0.1`.
    public var host: String
    /// TCP port. Default 6379.
    public var port: Int
    /// ACL user name; `nil` authenticates as `default` when ``password`` is set.
    public var username: String?
    /// Password; `nil` skips authentication.
    public var password: String?
    /// Database index selected after connecting (0…15 on a default server). Default 0.
    public var database: Int
    /// Name reported by `CLIENT LIST`; `nil` for none.
    public var clientName: String?
    /// The longest wait for TCP connect plus handshake. Default 5 s.
    public var connectTimeout: Duration
    /// The longest wait for a reply; `nil` waits forever. When it passes, the connection is closed and
    /// every command pending on it fails with ``RedisError/Code/timeout``. Default 30 s.
    public var commandTimeout: Duration?
    /// Number of pipelined connections a ``RedisClient`` spreads commands over (at least 1). Default 2.
    public var poolSize: Int
    /// The first delay before reconnecting after a failed connection attempt; it doubles on each further
    /// failure. Default 50 ms.
    public var reconnectBaseDelay: Duration
    /// The longest delay between reconnection attempts. Default 2 s.
    public var reconnectMaxDelay: Duration
    /// Size limits for replies; a reply over a limit closes the connection with
    /// ``RedisError/Code/protocolViolation``.
    public var decoderLimits: RESPDecoder.Limits

    /// Creates a configuration; every argument has a default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        clientName: String? = nil,
        connectTimeout: Duration = .seconds(5),
        commandTimeout: Duration? = .seconds(30),
        poolSize: Int = 2,
        reconnectBaseDelay: Duration = .milliseconds(50),
        reconnectMaxDelay: Duration = .seconds(2),
        decoderLimits: RESPDecoder.Limits = RESPDecoder.Limits()
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.clientName = clientName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.poolSize = poolSize
        self.reconnectBaseDelay = reconnectBaseDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.decoderLimits = decoderLimits
    }

    /// Creates a configuration from a URL of the form `redis://[[user]:password@]host[:port][/database]`.
    ///
    /// User name and password are percent-decoded; an IPv6 host is written in brackets
    /// (`redis://[::1]:6380`). Other settings keep their defaults.
    ///
    /// - Throws: ``RedisError`` with ``RedisError/Code/invalidConfiguration``.
    public init(url: String) throws(RedisError) {
        self.init()
        func invalid(_ reason: String) -> RedisError {
            RedisError(code: .invalidConfiguration, message: "invalid Redis URL: \(reason)")
        }
        guard url.hasPrefix("redis://") else { throw invalid("the scheme must be redis://") }
        var rest = Substring(url.dropFirst("redis://".count))
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let user: Substring
            let password: Substring?
            if let colon = userInfo.firstIndex(of: ":") {
                user = userInfo[..<colon]
                password = userInfo[userInfo.index(after: colon)...]
            } else {
                // `redis://secret@host` is the common spelling of a password without a user name.
                user = ""
                password = userInfo
            }
            guard let decodedUser = Self.percentDecoded(user) else { throw invalid("bad percent-encoding") }
            username = decodedUser.isEmpty ? nil : decodedUser
            if let password {
                guard let decoded = Self.percentDecoded(password) else { throw invalid("bad percent-encoding") }
                self.password = decoded
            }
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("unclosed IPv6 bracket") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("junk after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        if host.isEmpty { host = "127.0.0.1" }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw invalid("bad port") }
            self.port = port
        }
        if !path.isEmpty {
            guard let database = Int(path), database >= 0 else { throw invalid("bad database index") }
            self.database = database
        }
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    var handshake: RedisHandshake {
        .init(username: username, password: password, database: database, clientName: clientName)
    }
}
