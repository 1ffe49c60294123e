/// Random ids for users (`u_…`) and rooms (`r_…`): a prefix and 16 characters of `[a-z0-9]`
/// (about 82 bits of randomness), never containing `:` so they fit in direct room ids.
enum IdentifierGenerator {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".unicodeScalars)

    static func make(prefix: String, using generator: inout some RandomNumberGenerator) -> String {
        var id = prefix
        for _ in 0..<16 { id.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]) }
        return id
    }

    static func make(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(prefix: prefix, using: &generator)
    }
}
