/// The id of the direct room between two users: `dm:<userIdA>:<userIdB>` with the ids sorted, so both
/// users compute the same id.
enum DirectRoomID {
    /// The prefix of every direct room id.
    static let prefix = "dm:"

    /// The room id for `a` and `b`; `nil` when they are the same user or an id contains `:`.
    static func make(_ a: String, _ b: String) -> String? {
        guard a != b, !a.isEmpty, !b.isEmpty, !a.contains(":"), !b.contains(":") else { return nil }
        let (low, high) = a < b ? (a, b) : (b, a)
        return prefix + low + ":" + high
    }

    /// The two user ids of a direct room id, sorted; `nil` when `id` is not one.
    static func members(of id: String) -> (String, String)? {
        guard id.hasPrefix(prefix) else { return nil }
        let parts = id.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] < parts[1] else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// The member of direct room `id` other than `user`; `nil` when `user` is not one of its two.
    static func peer(of user: String, in id: String) -> String? {
        guard let (a, b) = members(of: id) else { return nil }
        if a == user { return b }
        if b == user { return a }
        return nil
    }
}
