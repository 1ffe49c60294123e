/// Bounds that protect a server from too many clients, too eager clients and slow readers.
///
/// Every limit is on by default with a value that a normal deployment never reaches; set a field to `nil`
/// to turn that limit off (``unlimited`` turns every admission limit off, for benchmarks and the protocol
/// test suites, which open thousands of sessions from one address).
///
/// ```swift
/// var configuration = EngineConfiguration()
/// configuration.limits.maxSessionsPerAddress = 50
/// configuration.limits.connectRate = .init(burst: 20, perSecond: 5)
/// ```
public struct ServerLimits: Sendable, Hashable {
    /// A token bucket: each new session takes a token; tokens come back at a steady rate.
    public struct ConnectRate: Sendable, Hashable {
        /// Sessions an address may open at once after being quiet; at least 1.
        public var burst: Int
        /// Tokens an address gets back per second (fractions allowed); must be > 0.
        public var perSecond: Double

        /// Creates a rate; `burst` ≥ 1 and `perSecond` > 0.
        public init(burst: Int, perSecond: Double) {
            precondition(burst >= 1 && perSecond > 0)
            self.burst = burst
            self.perSecond = perSecond
        }
    }

    /// Most open Engine.IO sessions on this server; default 50 000, `nil` for no bound, else ≥ 1.
    /// A handshake above it is refused: HTTP 503 with `{"code":6,"message":"Server at capacity"}`.
    public var maxSessions: Int?
    /// Most open sessions from one peer IP address; default 1 000, `nil` for no bound, else ≥ 1.
    /// A handshake above it is refused: HTTP 503 with `{"code":6,"message":"Too many sessions from this address"}`.
    public var maxSessionsPerAddress: Int?
    /// How fast one peer IP address may open sessions; default a burst of 100 then 50 per second, `nil` for
    /// no bound. A handshake without a token is refused: HTTP 429 with `{"code":7,"message":"Too many handshakes"}`.
    public var connectRate: ConnectRate?
    /// Bytes queued for one client but not yet taken by the kernel above which the connection is not
    /// writable (``EngineConnection/isWritable`` is `false`, volatile packets are dropped); default 1 MiB,
    /// at least 1. On WebSocket this is the channel's high write watermark (the low one is half of it);
    /// on polling it counts the queued packets' bytes.
    public var outboundSoftLimit: Int
    /// Bytes queued for one client above which it is disconnected with ``EngineCloseReason/slowConsumer``;
    /// default 16 MiB, `nil` to never disconnect, else ≥ ``outboundSoftLimit``.
    public var outboundHardLimit: Int?

    /// Creates limits; every argument has the documented default.
    public init(
        maxSessions: Int? = 50_000,
        maxSessionsPerAddress: Int? = 1_000,
        connectRate: ConnectRate? = ConnectRate(burst: 100, perSecond: 50),
        outboundSoftLimit: Int = 1 << 20,
        outboundHardLimit: Int? = 16 << 20
    ) {
        precondition((maxSessions ?? 1) >= 1 && (maxSessionsPerAddress ?? 1) >= 1)
        precondition(outboundSoftLimit >= 1 && (outboundHardLimit ?? outboundSoftLimit) >= outboundSoftLimit)
        self.maxSessions = maxSessions
        self.maxSessionsPerAddress = maxSessionsPerAddress
        self.connectRate = connectRate
        self.outboundSoftLimit = outboundSoftLimit
        self.outboundHardLimit = outboundHardLimit
    }

    /// No admission limit (sessions, per address, rate); the outbound bounds keep their defaults.
    public static let unlimited = ServerLimits(maxSessions: nil, maxSessionsPerAddress: nil, connectRate: nil)

    /// Whether any admission limit is set (otherwise handshakes skip the admission bookkeeping entirely).
    public var limitsAdmission: Bool {
        maxSessions != nil || maxSessionsPerAddress != nil || connectRate != nil
    }
}
