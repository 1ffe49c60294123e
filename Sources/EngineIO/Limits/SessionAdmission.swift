/// Why a handshake was refused by ``SessionAdmission``.
public enum AdmissionRefusal: Sendable, Hashable {
    /// ``ServerLimits/maxSessions`` is reached.
    case serverAtCapacity
    /// ``ServerLimits/maxSessionsPerAddress`` is reached for this address.
    case addressAtCapacity
    /// The address has no connect-rate token left.
    case rateLimited

    /// The HTTP answer for this refusal (503 or 429 with the Engine.IO JSON body).
    public var requestError: EngineRequestError {
        switch self {
        case .serverAtCapacity: .serverAtCapacity
        case .addressAtCapacity: .addressAtCapacity
        case .rateLimited: .rateLimited
        }
    }
}

/// The admission bookkeeping of a server (pure): open sessions in total and per address, and one
/// connect-rate bucket per address. The clock is passed in (milliseconds, monotonic).
///
/// A handshake first calls ``attempt(address:now:)`` (takes a rate token, checks the caps), then, when the
/// session really opens, ``open(address:)`` (counts it); ``close(address:)`` when it ends. Polling
/// handshakes do both at once; WebSocket handshakes attempt before the 101 and open after it.
public struct SessionAdmission: Sendable {
    /// The limits applied.
    public let limits: ServerLimits
    /// Open sessions.
    public private(set) var sessionCount = 0
    private var sessionsByAddress: [String: Int] = [:]
    private var buckets: [String: TokenBucket] = [:]
    /// Above this many buckets, full ones are forgotten on the next attempt.
    let bucketSweepThreshold: Int
    private var nextSweepAt: Int

    /// Empty bookkeeping for `limits`.
    public init(limits: ServerLimits, bucketSweepThreshold: Int = 4_096) {
        self.limits = limits
        self.bucketSweepThreshold = bucketSweepThreshold
        self.nextSweepAt = bucketSweepThreshold
    }

    /// Open sessions from `address`.
    public func sessionCount(from address: String) -> Int { sessionsByAddress[address] ?? 0 }

    /// Rate buckets currently remembered.
    public var bucketCount: Int { buckets.count }

    /// A handshake from `address` (`nil` when unknown: only the total cap applies) at `now`: takes a
    /// rate token and checks the caps, without counting a session. `nil` means it may proceed.
    public mutating func attempt(address: String?, now: Int64) -> AdmissionRefusal? {
        if let refusal = capRefusal(address: address) { return refusal }
        guard let rate = limits.connectRate, let address else { return nil }
        if buckets.count >= nextSweepAt { sweepBuckets(now: now) }
        var bucket = buckets[address] ?? TokenBucket(capacity: rate.burst, perSecond: rate.perSecond, now: now)
        let took = bucket.take(now: now)
        buckets[address] = bucket
        return took ? nil : .rateLimited
    }

    /// Counts a session from `address`; when a cap is reached, counts nothing and returns the refusal.
    public mutating func open(address: String?) -> AdmissionRefusal? {
        if let refusal = capRefusal(address: address) { return refusal }
        sessionCount += 1
        if let address, limits.maxSessionsPerAddress != nil { sessionsByAddress[address, default: 0] += 1 }
        return nil
    }

    /// A session counted by ``open(address:)`` ended.
    public mutating func close(address: String?) {
        sessionCount = max(sessionCount - 1, 0)
        guard let address, let count = sessionsByAddress[address] else { return }
        sessionsByAddress[address] = count > 1 ? count - 1 : nil
    }

    private func capRefusal(address: String?) -> AdmissionRefusal? {
        if let max = limits.maxSessions, sessionCount >= max { return .serverAtCapacity }
        if let max = limits.maxSessionsPerAddress, let address, sessionCount(from: address) >= max {
            return .addressAtCapacity
        }
        return nil
    }

    private mutating func sweepBuckets(now: Int64) {
        buckets = buckets.filter { !$0.value.isFull(now: now) }
        nextSweepAt = max(bucketSweepThreshold, buckets.count * 2)
    }
}
