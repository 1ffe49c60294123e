/// Which users are online: a user is online while at least one of their sockets is connected.
/// Pure bookkeeping; the caller announces the transitions it returns.
struct PresenceCounter: Sendable {
    /// User id → ids of their connected sockets.
    private var sockets: [String: Set<String>] = [:]

    /// Records a connected socket; `true` when it is the user's first (they just came online).
    mutating func connect(user: String, socket: String) -> Bool {
        let wasOnline = sockets[user] != nil
        sockets[user, default: []].insert(socket)
        return !wasOnline
    }

    /// Records a disconnected socket; `true` when it was the user's last (they just went offline).
    mutating func disconnect(user: String, socket: String) -> Bool {
        guard var set = sockets[user], set.remove(socket) != nil else { return false }
        sockets[user] = set.isEmpty ? nil : set
        return set.isEmpty
    }

    /// Whether `user` has a connected socket.
    func isOnline(_ user: String) -> Bool { sockets[user] != nil }

    /// How many users are online.
    var onlineCount: Int { sockets.count }

    /// The ids of the users online, sorted.
    var onlineUserIDs: [String] { sockets.keys.sorted() }
}
