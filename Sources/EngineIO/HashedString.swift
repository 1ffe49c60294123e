/// A string dictionary key that carries its hash: a lookup compares the stored hashes first and reads the strings
/// only when they match.
///
/// In a large table of ids (sessions, sockets, their rooms) the keys' characters sit in separate heap blocks that
/// are rarely in cache; a `String` key is compared by reading them for every bucket a lookup probes, which costs a
/// cache miss per probe. Here the probes compare the hashes stored inline in the table.
package struct HashedString: Hashable, Sendable, CustomStringConvertible {
    /// The string.
    package let string: String
    /// `string.hashValue` (the process's seeded hash, so tables stay resistant to chosen collisions).
    private let hash: Int

    /// Wraps `string`, hashing it once.
    package init(_ string: String) {
        self.string = string
        self.hash = string.hashValue
    }

    package static func == (lhs: HashedString, rhs: HashedString) -> Bool {
        lhs.hash == rhs.hash && lhs.string == rhs.string
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    package var description: String { string }
}
