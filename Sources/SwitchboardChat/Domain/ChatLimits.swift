/// The chat's input and rate limits; every field has the contract's default.
public struct ChatLimits: Sendable, Hashable {
    /// Longest message text after trimming, in characters (default 4 000).
    public var maxTextLength: Int
    /// Longest `clientMessageId`, in characters (default 64).
    public var maxClientMessageIDLength: Int
    /// Messages per second a user may send on average (default 10).
    public var sendsPerSecond: Double
    /// Messages a user may send in a burst (default 20).
    public var sendBurst: Int
    /// Minimum time between two accepted `typing` events of one user in one room, in milliseconds (default 1 000).
    public var typingThrottleMilliseconds: Int64
    /// How long a `typing: true` lasts without a refresh, in milliseconds (default 5 000).
    public var typingExpiryMilliseconds: Int64
    /// Default history page size (default 50).
    public var defaultHistoryLimit: Int
    /// Largest history page size (default 100).
    public var maxHistoryLimit: Int
    /// Highest unread count reported per room; more is reported as this number (default 100).
    public var maxUnreadCount: Int
    /// Failed logins an address may make in a burst (default 10).
    public var loginBurst: Int
    /// Login attempts per second an address regains (default 1 every 6 s).
    public var loginsPerSecond: Double
    /// Registrations an address may make in a burst (default 30).
    public var registrationBurst: Int
    /// Registrations per second an address regains (default 1 every 2 s).
    public var registrationsPerSecond: Double

    /// Creates limits; every field has the contract's default.
    public init(
        maxTextLength: Int = 4_000,
        maxClientMessageIDLength: Int = 64,
        sendsPerSecond: Double = 10,
        sendBurst: Int = 20,
        typingThrottleMilliseconds: Int64 = 1_000,
        typingExpiryMilliseconds: Int64 = 5_000,
        defaultHistoryLimit: Int = 50,
        maxHistoryLimit: Int = 100,
        maxUnreadCount: Int = 100,
        loginBurst: Int = 10,
        loginsPerSecond: Double = 1.0 / 6.0,
        registrationBurst: Int = 30,
        registrationsPerSecond: Double = 0.5
    ) {
        self.maxTextLength = maxTextLength
        self.maxClientMessageIDLength = maxClientMessageIDLength
        self.sendsPerSecond = sendsPerSecond
        self.sendBurst = sendBurst
        self.typingThrottleMilliseconds = typingThrottleMilliseconds
        self.typingExpiryMilliseconds = typingExpiryMilliseconds
        self.defaultHistoryLimit = defaultHistoryLimit
        self.maxHistoryLimit = maxHistoryLimit
        self.maxUnreadCount = maxUnreadCount
        self.loginBurst = loginBurst
        self.loginsPerSecond = loginsPerSecond
        self.registrationBurst = registrationBurst
        self.registrationsPerSecond = registrationsPerSecond
    }
}
