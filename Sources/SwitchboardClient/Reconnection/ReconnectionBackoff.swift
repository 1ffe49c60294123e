/// Exponential backoff with jitter for reconnection attempts.
///
/// Attempt `n` (from 0) waits `delay × 2ⁿ`, moved up or down by a random share of at most
/// `randomizationFactor` of itself, and never more than `maximumDelay`.
struct ReconnectionBackoff: Sendable, Hashable {
    /// The first delay, in milliseconds.
    var delayMilliseconds: Int64
    /// The largest delay, in milliseconds.
    var maximumDelayMilliseconds: Int64
    /// The jitter, between 0 and 1.
    var randomizationFactor: Double
    /// How many delays were handed out since the last ``reset()``.
    private(set) var attempts: Int = 0

    init(delayMilliseconds: Int64, maximumDelayMilliseconds: Int64, randomizationFactor: Double) {
        self.delayMilliseconds = max(0, delayMilliseconds)
        self.maximumDelayMilliseconds = max(0, maximumDelayMilliseconds)
        self.randomizationFactor = min(max(randomizationFactor, 0), 1)
    }

    /// The delay before the next attempt, in milliseconds; counts the attempt.
    mutating func nextDelayMilliseconds(using random: inout some RandomNumberGenerator) -> Int64 {
        let exponent = min(attempts, 62)
        attempts += 1
        var base = Double(delayMilliseconds) * pow2(exponent)
        if randomizationFactor > 0 {
            let unit = Double.random(in: 0..<1, using: &random)
            let deviation = (unit * randomizationFactor * base).rounded(.down)
            // The low bit of a second draw decides the direction, so both halves are equally likely.
            base += Bool.random(using: &random) ? deviation : -deviation
        }
        let capped = min(base, Double(maximumDelayMilliseconds))
        return Int64(max(0, capped))
    }

    /// Starts again from the first delay (after a successful reconnection).
    mutating func reset() {
        attempts = 0
    }

    private func pow2(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<exponent { value *= 2 }
        return value
    }
}
