/// The connect deadlines of one event loop's new clients, checked by one timer instead of one scheduled task per
/// client (pure: the caller owns the clock and the timer).
///
/// A client is added when its Engine.IO connection opens and removed when it joins a namespace or closes, so the
/// table holds only clients still waiting, usually none. One timer serves them all: it runs at the earliest
/// deadline but at most once per `granularity` (a sixteenth of the timeout), so a client is timed out at most
/// `granularity` late and each waiting client is looked at about 17 times per timeout however many wait.
struct ConnectDeadlines<Key: Hashable, Value> {
    /// How long a client may wait, in nanoseconds.
    let timeout: UInt64
    /// The shortest time between two sweeps, in nanoseconds.
    let granularity: UInt64
    private var waiting: [Key: (value: Value, deadline: UInt64)] = [:]
    /// When the timer is set to sweep, if it is set.
    private(set) var sweepAt: UInt64?

    init(timeoutNanoseconds: UInt64) {
        self.timeout = timeoutNanoseconds
        self.granularity = max(timeoutNanoseconds / 16, 1_000_000)
    }

    /// The number of clients waiting.
    var count: Int { waiting.count }

    /// Starts `key`'s wait at `now`. Returns when to set the timer, if it is not set yet.
    mutating func add(_ key: Key, _ value: Value, now: UInt64) -> UInt64? {
        let deadline = now + timeout
        waiting[key] = (value, deadline)
        guard sweepAt == nil else { return nil }
        sweepAt = deadline
        return deadline
    }

    /// Ends `key`'s wait (it joined a namespace or closed); nothing happens if it is not waiting.
    mutating func remove(_ key: Key) {
        waiting.removeValue(forKey: key)
    }

    /// The timer ran at `now`: removes and returns the clients whose deadline has passed, and when to set the timer
    /// next (`nil`: nobody waits, the timer stays off until the next ``add(_:_:now:)``).
    mutating func sweep(now: UInt64) -> (expired: [Value], next: UInt64?) {
        var expiredKeys: [Key] = []
        var earliest: UInt64?
        for (key, entry) in waiting {
            if entry.deadline <= now {
                expiredKeys.append(key)
            } else {
                earliest = min(earliest ?? entry.deadline, entry.deadline)
            }
        }
        let expired = expiredKeys.map { waiting.removeValue(forKey: $0)!.value }
        sweepAt = earliest.map { max($0, now + granularity) }
        return (expired, sweepAt)
    }
}
