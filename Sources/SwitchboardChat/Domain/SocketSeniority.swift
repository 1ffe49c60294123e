/// When a chat socket connected, to decide cluster-wide which socket brought its user online.
/// Pure: the caller gathers the user's sockets from every node (`fetchSockets`).
///
/// Sockets are ordered by connect time, then by socket id, so that two sockets connecting in the same
/// millisecond on two nodes still have a strict order and exactly one of them is the oldest.
struct SocketSeniority: Hashable, Sendable, Comparable {
    /// Milliseconds since the Unix epoch when the socket connected.
    var connectedAt: Int64
    /// The Socket.IO socket id.
    var socketID: String

    static func < (lhs: SocketSeniority, rhs: SocketSeniority) -> Bool {
        (lhs.connectedAt, lhs.socketID) < (rhs.connectedAt, rhs.socketID)
    }

    /// Whether `self` is older than every socket in `others` (its own entry, if listed, is ignored):
    /// then its connection is the one that brought the user online.
    func isOldest(among others: some Sequence<SocketSeniority>) -> Bool {
        !others.contains { $0.socketID != socketID && $0 < self }
    }
}
