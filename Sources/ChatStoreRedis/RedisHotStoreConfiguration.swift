import ChatStore

/// How ``RedisHotStore`` lays out its keys and bounds its data.
public struct RedisHotStoreConfiguration: Hashable, Sendable {
    /// Prefix of every key the store writes (default `"chat"`).
    public var keyPrefix: String
    /// Approximate bound on each room stream's length (`XADD MAXLEN ~`), or `nil` for none (default).
    ///
    /// Room streams are trimmed exactly once their messages are archived; the bound is a safety net for a
    /// stalled backup. With a bound, history pages may miss not-yet-archived messages beyond it (the
    /// backup feed, a separate stream, keeps them all).
    public var roomStreamMaxLength: Int?
    /// How long an idempotency key is remembered after its message was appended (default 24 h).
    public var idempotencyWindow: Duration
    /// How long ``RedisHotStore/append(_:)`` keeps retrying while Redis is unreachable (default 10 s).
    /// Safe because appends are idempotent.
    public var appendRetryTimeout: Duration
    /// Bounds on submitted messages.
    public var limits: MessageLimits

    /// Creates a configuration; every argument has the documented default.
    public init(
        keyPrefix: String = "chat",
        roomStreamMaxLength: Int? = nil,
        idempotencyWindow: Duration = .seconds(86_400),
        appendRetryTimeout: Duration = .seconds(10),
        limits: MessageLimits = MessageLimits()
    ) {
        self.keyPrefix = keyPrefix
        self.roomStreamMaxLength = roomStreamMaxLength
        self.idempotencyWindow = idempotencyWindow
        self.appendRetryTimeout = appendRetryTimeout
        self.limits = limits
    }
}
