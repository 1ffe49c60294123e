/// Who is typing in which room. Pure: the caller passes the time in milliseconds.
///
/// A `typing: true` starts or refreshes an entry, which expires ``expiryMilliseconds`` later. Events of one
/// user in one room closer than ``throttleMilliseconds`` to the last accepted one are ignored, except a
/// stop of a user who is typing. Every method returns the rooms whose set of typists changed, with the
/// new set, so the caller can send `typing:update`.
struct TypingTracker: Sendable {
    /// A room's typists after a change, in the order they started.
    struct Change: Hashable, Sendable {
        var roomID: String
        var users: [ChatUser]
    }

    private struct Entry: Hashable, Sendable {
        var user: ChatUser
        var startedAt: Int64
        var expiresAt: Int64
    }

    let throttleMilliseconds: Int64
    let expiryMilliseconds: Int64
    /// Room id → user id → entry.
    private var typists: [String: [String: Entry]] = [:]
    /// "room\nuser" → time of the last accepted event.
    private var lastAccepted: [String: Int64] = [:]

    init(throttleMilliseconds: Int64 = 1_000, expiryMilliseconds: Int64 = 5_000) {
        self.throttleMilliseconds = throttleMilliseconds
        self.expiryMilliseconds = expiryMilliseconds
    }

    /// The typists of `roomID` now, in the order they started.
    func users(in roomID: String) -> [ChatUser] {
        (typists[roomID] ?? [:]).values.sorted { ($0.startedAt, $0.user.id) < ($1.startedAt, $1.user.id) }.map(\.user)
    }

    /// A `typing` event of `user` in `roomID`; returns the change, if the set of typists changed.
    mutating func typing(_ user: ChatUser, in roomID: String, isTyping: Bool, now: Int64) -> Change? {
        signal(user, in: roomID, isTyping: isTyping, now: now).change
    }

    /// What a `typing` event did: whether it was accepted (it started, refreshed or stopped an entry, so
    /// other cluster nodes must hear of it) and the change of the room's typists, if any.
    struct Outcome: Hashable, Sendable {
        var accepted: Bool
        var change: Change?
    }

    /// A `typing` event of `user` in `roomID`. With `throttled` false (an event another cluster node
    /// already accepted) the throttle is skipped.
    mutating func signal(_ user: ChatUser, in roomID: String, isTyping: Bool, now: Int64, throttled: Bool = true) -> Outcome {
        let key = roomID + "\n" + user.id
        let isTypingNow = typists[roomID]?[user.id] != nil
        let isStop = !isTyping && isTypingNow
        if throttled, !isStop, let last = lastAccepted[key], now - last < throttleMilliseconds {
            return Outcome(accepted: false)
        }
        if isTyping {
            lastAccepted[key] = now
            if isTypingNow {
                typists[roomID]![user.id]!.expiresAt = now + expiryMilliseconds
                return Outcome(accepted: true)
            }
            typists[roomID, default: [:]][user.id] = Entry(user: user, startedAt: now, expiresAt: now + expiryMilliseconds)
            return Outcome(accepted: true, change: Change(roomID: roomID, users: users(in: roomID)))
        }
        guard isStop else { return Outcome(accepted: false) }
        lastAccepted[key] = now
        return Outcome(accepted: true, change: remove(user.id, from: roomID))
    }

    /// Drops the entries that expired by `now`.
    mutating func expire(now: Int64) -> [Change] {
        var changes: [Change] = []
        for roomID in typists.keys.sorted() {
            let expired = typists[roomID]!.values.filter { $0.expiresAt <= now }.map(\.user.id).sorted()
            guard !expired.isEmpty else { continue }
            for userID in expired { typists[roomID]![userID] = nil }
            changes.append(Change(roomID: roomID, users: users(in: roomID)))
            if typists[roomID]!.isEmpty { typists[roomID] = nil }
        }
        lastAccepted = lastAccepted.filter { now - $0.value < throttleMilliseconds }
        return changes
    }

    /// Stops `userID` typing everywhere (their last socket disconnected).
    mutating func removeUser(_ userID: String) -> [Change] {
        typists.keys.sorted().compactMap { remove(userID, from: $0) }
    }

    /// Stops `userID` typing in `roomID` (they left it).
    mutating func remove(_ userID: String, from roomID: String) -> Change? {
        guard typists[roomID]?.removeValue(forKey: userID) != nil else { return nil }
        let change = Change(roomID: roomID, users: users(in: roomID))
        if typists[roomID]!.isEmpty { typists[roomID] = nil }
        return change
    }

    /// The earliest time an entry expires, if any (to schedule the next ``expire(now:)``).
    var nextExpiry: Int64? {
        typists.values.flatMap(\.values).map(\.expiresAt).min()
    }
}
