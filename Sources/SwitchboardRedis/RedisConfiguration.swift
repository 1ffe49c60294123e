import RESP
import ServerURL

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
        let parts: ServerURL
        do {
            parts = try ServerURL(parsing: url, schemes: ["redis"])
        } catch {
            throw invalid(error.reason)
        }
        if parts.password == nil, let secret = parts.user {
            // `redis://secret@host` is the common spelling of a password without a user name.
            password = secret
        } else {
            username = parts.user.flatMap { $0.isEmpty ? nil : $0 }
            password = parts.password
        }
        host = parts.host.isEmpty ? "127.0.0.1" : parts.host
        port = parts.port ?? port
        if !parts.path.isEmpty {
            guard let database = Int(parts.path), database >= 0 else { throw invalid("bad database index") }
            self.database = database
        }
    }

    var handshake: RedisHandshake {
        .init(username: username, password: password, database: database, clientName: clientName)
    }
}
