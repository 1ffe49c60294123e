import NIOCore

/// A token bucket: holds up to `capacity` tokens, refills at `refillPerSecond`, each admitted event
/// takes one. Pure: the caller passes the time.
struct TokenBucket: Sendable, Hashable {
    let capacity: Double
    let refillPerSecond: Double
    private(set) var tokens: Double
    private var lastRefill: NIODeadline?

    init(capacity: Int, refillPerSecond: Double) {
        self.capacity = Double(max(1, capacity))
        self.refillPerSecond = max(0, refillPerSecond)
        self.tokens = self.capacity
    }

    /// Refills for the time since the last call, then takes a token if there is one.
    mutating func take(now: NIODeadline) -> Bool {
        if let lastRefill, now > lastRefill {
            let elapsed = Double((now - lastRefill).nanoseconds) / 1_000_000_000
            tokens = min(capacity, tokens + elapsed * refillPerSecond)
        }
        if lastRefill == nil || now > lastRefill! { lastRefill = now }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
