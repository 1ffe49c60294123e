/// A token bucket on an injected clock: `capacity` tokens, refilled at `perSecond`.
///
/// Time is in milliseconds on any monotonic clock; the bucket never reads a clock itself.
public struct TokenBucket: Sendable, Hashable {
    /// The most tokens the bucket holds.
    public let capacity: Double
    /// Tokens added per second.
    public let perSecond: Double
    /// Tokens available at ``updatedAt``.
    public private(set) var tokens: Double
    /// When ``tokens`` was last brought up to date, in milliseconds.
    public private(set) var updatedAt: Int64

    /// A full bucket at `now`.
    public init(capacity: Int, perSecond: Double, now: Int64) {
        precondition(capacity >= 1 && perSecond > 0)
        self.capacity = Double(capacity)
        self.perSecond = perSecond
        self.tokens = Double(capacity)
        self.updatedAt = now
    }

    /// Takes one token if there is one at `now`; returns whether it did.
    public mutating func take(now: Int64) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether the bucket is full again at `now` (so forgetting it changes nothing).
    public func isFull(now: Int64) -> Bool {
        tokens + Double(max(now - updatedAt, 0)) * perSecond / 1000 >= capacity
    }

    private mutating func refill(now: Int64) {
        // A clock that goes backwards adds nothing.
        guard now > updatedAt else { return }
        tokens = min(capacity, tokens + Double(now - updatedAt) * perSecond / 1000)
        updatedAt = now
    }
}
