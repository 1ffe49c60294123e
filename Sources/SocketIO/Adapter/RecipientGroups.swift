/// Recipients grouped by the event loop that owns them, in order of first appearance. Pure.
///
/// A broadcast hands each group to its loop in one hop. There are few loops (one per core), so a linear scan
/// over their ids beats hashing.
struct RecipientGroups<Loop, Recipient> {
    /// The recipients of one loop.
    struct Group {
        /// The loop that owns every recipient of the group.
        var loop: Loop
        /// The recipients, in input order.
        var recipients: [Recipient]
    }

    /// The groups, one per loop, in order of the loop's first recipient.
    private(set) var groups: [Group] = []
    /// The number of recipients over all groups.
    private(set) var count = 0

    /// Groups `recipients` by `loopOf` (identified by `idOf`).
    init(_ recipients: some Collection<Recipient>, loopOf: (Recipient) -> Loop, idOf: (Loop) -> ObjectIdentifier) {
        var ids: [ObjectIdentifier] = []
        for recipient in recipients {
            let loop = loopOf(recipient)
            let id = idOf(loop)
            if let index = ids.firstIndex(of: id) {
                groups[index].recipients.append(recipient)
            } else {
                ids.append(id)
                var members: [Recipient] = []
                members.reserveCapacity(recipients.count / ids.count)
                members.append(recipient)
                groups.append(Group(loop: loop, recipients: members))
            }
        }
        count = recipients.count
    }

    /// Whether there is no recipient.
    var isEmpty: Bool { count == 0 }
}

/// The recipient groups of large rooms, kept between broadcasts so a broadcast to a room whose members did not
/// change does no per-member work before the per-loop hops (no id copies, no directory lookups, no regrouping).
/// Pure.
///
/// An entry is valid while its room's membership is unchanged (the adapter calls ``invalidate(_:)`` on every
/// change) and the socket directory has the generation it was built with (a socket that joined its rooms just
/// before it entered the directory is then found). Only rooms of at least ``minimumMembers`` members are kept:
/// small rooms (a socket's own room) are cheap to resolve and would otherwise cost memory per connection.
struct RoomRecipientCache<Value> {
    /// The smallest room worth an entry.
    let minimumMembers: Int
    private var entries: [String: (generation: UInt64, value: Value)] = [:]

    init(minimumMembers: Int = 16) {
        self.minimumMembers = minimumMembers
    }

    /// The number of rooms with an entry.
    var count: Int { entries.count }

    /// The room's entry, if it was built at directory generation `generation`.
    func value(for room: String, generation: UInt64) -> Value? {
        guard let entry = entries[room], entry.generation == generation else { return nil }
        return entry.value
    }

    /// Keeps `value` for `room` (built at directory generation `generation`) when the room has at least
    /// ``minimumMembers`` members; returns whether it was kept.
    @discardableResult
    mutating func store(_ value: Value, for room: String, memberCount: Int, generation: UInt64) -> Bool {
        guard memberCount >= minimumMembers else {
            entries[room] = nil
            return false
        }
        entries[room] = (generation, value)
        return true
    }

    /// Forgets the room's entry (its membership changed).
    mutating func invalidate(_ room: String) {
        entries[room] = nil
    }
}

extension RecipientGroups: Sendable where Loop: Sendable, Recipient: Sendable {}
extension RecipientGroups.Group: Sendable where Loop: Sendable, Recipient: Sendable {}
extension RoomRecipientCache: Sendable where Value: Sendable {}
