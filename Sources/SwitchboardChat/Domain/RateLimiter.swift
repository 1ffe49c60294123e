/// Token buckets per key (user id, address): each key holds up to ``burst`` tokens, regains
/// ``perSecond`` tokens a second, and each admitted action takes one. Pure: the caller passes the time
/// in milliseconds.
struct RateLimiter: Sendable {
    /// The outcome of ``admit(_:now:)``.
    enum Decision: Hashable, Sendable {
        case allowed
        /// Refused; a token will be back in this many milliseconds.
        case limited(retryAfterMilliseconds: Int64)
    }

    private struct Bucket: Hashable, Sendable {
        var tokens: Double
        var updatedAt: Int64
    }

    let burst: Double
    let perSecond: Double
    private var buckets: [String: Bucket] = [:]

    init(perSecond: Double, burst: Int) {
        self.perSecond = max(0, perSecond)
        self.burst = Double(max(1, burst))
    }

    /// Takes a token of `key` if it has one.
    mutating func admit(_ key: String, now: Int64) -> Decision {
        var bucket = refilled(key, now: now)
        defer { buckets[key] = bucket }
        guard bucket.tokens >= 1 else {
            guard perSecond > 0 else { return .limited(retryAfterMilliseconds: Int64.max) }
            let missing = 1 - bucket.tokens
            return .limited(retryAfterMilliseconds: max(1, Int64((missing / perSecond * 1000).rounded(.up))))
        }
        bucket.tokens -= 1
        return .allowed
    }

    /// What ``admit(_:now:)`` would answer, without taking a token.
    func check(_ key: String, now: Int64) -> Decision {
        var copy = self
        return copy.admit(key, now: now)
    }

    /// Forgets the keys whose buckets are full again (they behave like new keys), bounding memory.
    mutating func prune(now: Int64) {
        buckets = buckets.filter { key, _ in refilled(key, now: now).tokens < burst }
    }

    /// How many keys are tracked.
    var trackedKeys: Int { buckets.count }

    private func refilled(_ key: String, now: Int64) -> Bucket {
        guard var bucket = buckets[key] else { return Bucket(tokens: burst, updatedAt: now) }
        if now > bucket.updatedAt {
            bucket.tokens = min(burst, bucket.tokens + Double(now - bucket.updatedAt) / 1000 * perSecond)
            bucket.updatedAt = now
        }
        return bucket
    }
}
