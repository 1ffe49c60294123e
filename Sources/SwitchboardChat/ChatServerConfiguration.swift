import EngineIO
import SocketIO

/// Settings of `switchboard serve`; every field has a default.
public struct ChatServerConfiguration: Sendable {
    /// Address to listen on, e.g. `127.0.0.1` or `0.0.0.0`.
    public var host: String
    /// TCP port to listen on (0 picks a free port).
    public var port: Int
    /// Directory for durable data: the SQLite database and the generated `jwt-secret`.
    public var dataDirectory: String
    /// Input and rate limits.
    public var limits: ChatLimits
    /// The HS256 secret of access tokens (at least 32 bytes); `nil` uses `<dataDirectory>/jwt-secret`,
    /// created with a random secret on first start.
    public var jwtSecret: String?
    /// Access token lifetime, in seconds (default 12 h).
    public var tokenTimeToLiveSeconds: Int64
    /// The token of the `/admin` namespace; `nil` disables the operations dashboard.
    public var adminToken: String?
    /// PBKDF2 iterations for new password hashes (default 210 000; lower only in tests).
    public var passwordIterations: Int
    /// Redis hot store URL (`redis://host:port`); `nil` keeps recent messages in memory.
    public var redisURL: String?
    /// PostgreSQL URL for the archive and the directory; `nil` uses SQLite in ``dataDirectory``.
    public var postgresURL: String?
    /// When the backup job moves messages from the hot store to the archive (cron, default every minute).
    public var backupCron: String
    /// Engine.IO settings: heartbeat, `maxPayload`, limits, compression (default: the library's defaults).
    public var engine = EngineConfiguration()
    /// Socket.IO settings: recovery, event rate limit, connect timeout (default: the library's defaults).
    public var socketIO = SocketIOServer.Configuration()

    /// Creates a configuration; every field has a default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 3000,
        dataDirectory: String = ".data",
        limits: ChatLimits = ChatLimits(),
        jwtSecret: String? = nil,
        tokenTimeToLiveSeconds: Int64 = 12 * 3600,
        adminToken: String? = nil,
        passwordIterations: Int = PasswordHasher.defaultIterations,
        redisURL: String? = nil,
        postgresURL: String? = nil,
        backupCron: String = "* * * * *"
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.limits = limits
        self.jwtSecret = jwtSecret
        self.tokenTimeToLiveSeconds = tokenTimeToLiveSeconds
        self.adminToken = adminToken
        self.passwordIterations = passwordIterations
        self.redisURL = redisURL
        self.postgresURL = postgresURL
        self.backupCron = backupCron
    }
}
