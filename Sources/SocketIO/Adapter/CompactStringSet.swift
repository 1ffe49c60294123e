/// A set of strings that costs no allocation of its own while it holds at most one element.
///
/// Every socket is in its own room and, usually, only there: the adapter keeps two one-element sets per
/// socket (the room's members, the socket's rooms). A `Set<String>` of one element is a ~100-byte hash table;
/// this keeps a single element inline and becomes a `Set` from the second one on (and stays one).
enum CompactStringSet: Sendable, Equatable {
    case empty
    case one(String)
    case many(Set<String>)

    /// The set of `elements`.
    init(_ elements: some Sequence<String>) {
        self = .empty
        for element in elements { insert(element) }
    }

    var isEmpty: Bool {
        switch self {
        case .empty: true
        case .one: false
        case .many(let set): set.isEmpty
        }
    }

    var count: Int {
        switch self {
        case .empty: 0
        case .one: 1
        case .many(let set): set.count
        }
    }

    func contains(_ element: String) -> Bool {
        switch self {
        case .empty: false
        case .one(let only): only == element
        case .many(let set): set.contains(element)
        }
    }

    /// The elements as a `Set`.
    var set: Set<String> {
        switch self {
        case .empty: []
        case .one(let only): [only]
        case .many(let set): set
        }
    }

    /// The elements as an array (in the `Set`'s order once there are several).
    var array: [String] {
        switch self {
        case .empty: []
        case .one(let only): [only]
        case .many(let set): Array(set)
        }
    }

    /// Adds `element`; returns whether it was not there yet.
    @discardableResult
    mutating func insert(_ element: String) -> Bool {
        switch self {
        case .empty:
            self = .one(element)
            return true
        case .one(let only):
            guard only != element else { return false }
            self = .many([only, element])
            return true
        case .many(var set):
            self = .empty  // drop the second reference so `set` is mutated in place
            let inserted = set.insert(element).inserted
            self = .many(set)
            return inserted
        }
    }

    mutating func formUnion(_ elements: some Sequence<String>) {
        for element in elements { insert(element) }
    }

    /// Removes `element`; returns whether it was there.
    @discardableResult
    mutating func remove(_ element: String) -> Bool {
        switch self {
        case .empty:
            return false
        case .one(let only):
            guard only == element else { return false }
            self = .empty
            return true
        case .many(var set):
            self = .empty
            let removed = set.remove(element) != nil
            self = .many(set)
            return removed
        }
    }

    /// Calls `body` for each element.
    func forEach(_ body: (String) throws -> Void) rethrows {
        switch self {
        case .empty: break
        case .one(let only): try body(only)
        case .many(let set): for element in set { try body(element) }
        }
    }
}
