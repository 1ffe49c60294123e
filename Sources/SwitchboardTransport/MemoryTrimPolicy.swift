/// When to give freed heap memory back to the system after many sessions ended.
///
/// glibc keeps the chunks freed by closed connections in its arenas (`free` only returns the top of a heap),
/// so after a mass disconnect the process stays at its peak RSS. `malloc_trim(0)` returns the free pages of
/// every arena, but it walks them all, so it runs rarely: once the session count has fallen by at least
/// ``minimumDropFraction`` and ``minimumDrop`` sessions below the highest count seen since the last trim,
/// a trim is scheduled ``settleMilliseconds`` later (so a burst of closes is trimmed once, after it ends),
/// and never sooner than ``minimumIntervalMilliseconds`` after the previous one. Pure: the caller passes
/// the session count and the clock, and carries out the decisions.
struct MemoryTrimPolicy: Sendable {
    /// The least fall from the peak, as a fraction of it, that asks for a trim.
    var minimumDropFraction = 0.5
    /// The least fall from the peak, in sessions, that asks for a trim.
    var minimumDrop = 1_000
    /// Delay between the fall being seen and the trim, in milliseconds.
    var settleMilliseconds: Int64 = 1_000
    /// The least time between two trims, in milliseconds.
    var minimumIntervalMilliseconds: Int64 = 10_000

    /// The highest session count since the last trim.
    private(set) var peak = 0
    /// When the last trim ran (`nil`: never).
    private var lastTrimAt: Int64?
    /// When the scheduled trim runs (`nil`: none scheduled).
    private(set) var scheduledAt: Int64?

    /// The decision after a change in the session count.
    enum Decision: Equatable {
        /// Nothing to do.
        case none
        /// Call ``trimDue(sessionCount:now:)`` at this time (milliseconds on the caller's clock).
        case schedule(at: Int64)
    }

    /// The session count is now `count` (after a session opened or ended), at time `now` in milliseconds.
    mutating func sessionCountChanged(to count: Int, now: Int64) -> Decision {
        peak = max(peak, count)
        guard scheduledAt == nil else { return .none }
        let drop = peak - count
        guard drop >= minimumDrop, Double(drop) >= Double(peak) * minimumDropFraction else { return .none }
        var at = now + settleMilliseconds
        if let lastTrimAt { at = max(at, lastTrimAt + minimumIntervalMilliseconds) }
        scheduledAt = at
        return .schedule(at: at)
    }

    /// The scheduled time came: the caller trims now. The peak restarts from the current count.
    mutating func trimDue(sessionCount count: Int, now: Int64) {
        scheduledAt = nil
        lastTrimAt = now
        peak = count
    }
}
