/// A regular expression that namespace names must match as a whole (for dynamic namespaces).
///
/// `Regex` is not `Sendable`, so the pattern is kept as text (validated once here) and compiled for each
/// match; this runs once per `CONNECT` to an unknown namespace, never per message.
struct NamespacePattern: Sendable {
    let pattern: String

    /// Validates `pattern` (Swift `Regex` syntax, which accepts the usual PCRE/JavaScript forms).
    init(_ pattern: String) throws {
        _ = try Regex(pattern)
        self.pattern = pattern
    }

    func matches(_ name: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.wholeMatch(in: name)) != nil
    }
}
