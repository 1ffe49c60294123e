/// A map from strings to values for the few entries a connection keeps for its whole life (a socket's
/// event handlers, a client's namespaces), kept small.
///
/// A `[String: Value]` takes a hash table of at least ~100 bytes for one entry and 328 bytes for five;
/// up to ``largeThreshold`` entries live here in an array that starts with one slot and then grows two at a
/// time (five handlers: 192 bytes, one namespace: 56) and are found by linear search (short strings compare in
/// a few instructions). Beyond that the map becomes a dictionary. Setting an existing key replaces its value in
/// place; `nil` removes it.
struct SmallStringMap<Value> {
    /// More entries than this switch the map to a dictionary.
    static var largeThreshold: Int { 8 }

    fileprivate enum Storage {
        case small([(key: String, value: Value)])
        case large([String: Value])
    }

    private var storage: Storage = .small([])

    /// An empty map.
    init() {}

    /// The number of keys with a value.
    var count: Int {
        switch storage {
        case .small(let entries): entries.count
        case .large(let table): table.count
        }
    }

    /// Whether no key has a value.
    var isEmpty: Bool { count == 0 }

    /// The entries, in insertion order while the map is small (unordered once it is a dictionary).
    var entries: [(key: String, value: Value)] {
        switch storage {
        case .small(let entries): entries
        case .large(let table): table.map { (key: $0.key, value: $0.value) }
        }
    }

    /// The values (see ``entries`` for the order).
    var values: [Value] { entries.map(\.value) }

    /// Removes every entry.
    mutating func removeAll() {
        storage = .small([])
    }

    /// The value of `key`; setting `nil` removes it.
    subscript(key: String) -> Value? {
        get {
            switch storage {
            case .small(let entries): entries.first { $0.key == key }?.value
            case .large(let table): table[key]
            }
        }
        set {
            switch storage {
            case .large(var table):
                storage = .small([])  // drop the second reference so `table` is mutated in place
                table[key] = newValue
                storage = .large(table)
            case .small(var entries):
                storage = .small([])
                defer { storage = entries.count > Self.largeThreshold ? .large(Self.dictionary(entries)) : .small(entries) }
                let index = entries.firstIndex { $0.key == key }
                switch (index, newValue) {
                case (let index?, let value?): entries[index].value = value
                case (let index?, nil): entries.remove(at: index)
                case (nil, let value?):
                    if entries.count == entries.capacity { entries.reserveCapacity(entries.isEmpty ? 1 : entries.count + 2) }
                    entries.append((key, value))
                case (nil, nil): break
                }
            }
        }
    }

    private static func dictionary(_ entries: [(key: String, value: Value)]) -> [String: Value] {
        Dictionary(entries, uniquingKeysWith: { _, last in last })
    }
}

extension SmallStringMap: Sendable where Value: Sendable {}
extension SmallStringMap.Storage: Sendable where Value: Sendable {}
