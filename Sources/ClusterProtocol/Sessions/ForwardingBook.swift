/// What an edge node forwarded and still waits on: polling requests and relayed WebSockets, each with
/// the node that owns its session and an optional deadline (milliseconds on the caller's clock).
///
/// Pure bookkeeping: answers find their client by number, an expired request or a lost owner yields
/// the entries to fail. Numbers start at 1 and are never reused.
public struct ForwardingBook<Pending> {
    struct Entry {
        var owner: ClusterNodeID
        var deadline: Int64?
        var pending: Pending
    }

    private var entries: [UInt64: Entry] = [:]
    private var lastID: UInt64 = 0

    /// An empty book.
    public init() {}

    /// The number of open entries.
    public var count: Int { entries.count }

    /// Records `pending`, forwarded to `owner`, and returns its number.
    public mutating func open(_ pending: Pending, owner: ClusterNodeID, deadline: Int64? = nil) -> UInt64 {
        lastID &+= 1
        entries[lastID] = Entry(owner: owner, deadline: deadline, pending: pending)
        return lastID
    }

    /// The open entry numbered `id`, left open (a relayed WebSocket receiving frames).
    public func pending(_ id: UInt64) -> Pending? {
        entries[id]?.pending
    }

    /// Removes and returns the entry numbered `id`: answered, aborted or closed. `nil` if it is not open
    /// (already answered, expired, or never existed: a late or stray message).
    public mutating func close(_ id: UInt64) -> Pending? {
        entries.removeValue(forKey: id)?.pending
    }

    /// Removes and returns every entry whose deadline is at or before `now`.
    public mutating func expire(now: Int64) -> [Pending] {
        let expired = entries.filter { $0.value.deadline.map { $0 <= now } ?? false }
        for id in expired.keys { entries.removeValue(forKey: id) }
        return expired.sorted { $0.key < $1.key }.map(\.value.pending)
    }

    /// Removes and returns every entry forwarded to `owner` (that node died).
    public mutating func ownerLost(_ owner: ClusterNodeID) -> [Pending] {
        let lost = entries.filter { $0.value.owner == owner }
        for id in lost.keys { entries.removeValue(forKey: id) }
        return lost.sorted { $0.key < $1.key }.map(\.value.pending)
    }
}

extension ForwardingBook: Sendable where Pending: Sendable {}

/// What an owner node serves for other nodes: forwarded polls waiting for an answer and relayed
/// WebSockets, keyed by the edge node and the edge's number, so an abort or close finds its entry and
/// a lost edge yields everything it had open.
public struct ServedForwardsBook<Handle> {
    /// An entry's key: the edge node and its number for the request or stream.
    public struct Key: Hashable, Sendable {
        /// The node the client is connected to.
        public var edge: ClusterNodeID
        /// The edge's number.
        public var id: UInt64

        /// Creates a key.
        public init(edge: ClusterNodeID, id: UInt64) {
            self.edge = edge
            self.id = id
        }
    }

    private var entries: [Key: Handle] = [:]

    /// An empty book.
    public init() {}

    /// The number of open entries.
    public var count: Int { entries.count }

    /// Records `handle` under `key`; returns `false` (and keeps the first) if the key is already open.
    public mutating func insert(_ handle: Handle, for key: Key) -> Bool {
        guard entries[key] == nil else { return false }
        entries[key] = handle
        return true
    }

    /// The open entry under `key`.
    public func handle(for key: Key) -> Handle? {
        entries[key]
    }

    /// Removes and returns the entry under `key`.
    public mutating func remove(_ key: Key) -> Handle? {
        entries.removeValue(forKey: key)
    }

    /// Removes and returns every entry of `edge` (that node died).
    public mutating func edgeLost(_ edge: ClusterNodeID) -> [Handle] {
        let lost = entries.filter { $0.key.edge == edge }
        for key in lost.keys { entries.removeValue(forKey: key) }
        return lost.sorted { $0.key.id < $1.key.id }.map(\.value)
    }
}

extension ServedForwardsBook: Sendable where Handle: Sendable {}

extension ForwardingBook.Entry: Sendable where Pending: Sendable {}
