/// Finds `@username` tokens in a message text.
///
/// A mention starts with `@` at the start of the text or after a character that cannot be part of a
/// username (so `mail@example.com` mentions nobody), followed by 3–32 username characters; trailing `.`
/// and `-` are punctuation, not part of the name (`@bob.` mentions `bob`). Names are lower-cased and
/// returned once each, in order of first appearance.
enum MentionParser {
    static func usernames(in text: String) -> [String] {
        var found: [String] = []
        var seen: Set<String> = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            defer { index += 1 }
            guard scalars[index] == "@" else { continue }
            if index > 0, isNameScalar(scalars[index - 1]) || scalars[index - 1] == "@" { continue }
            var end = index + 1
            while end < scalars.count, isNameScalar(scalars[end]) { end += 1 }
            var nameEnd = end
            while nameEnd > index + 1, scalars[nameEnd - 1] == "." || scalars[nameEnd - 1] == "-" { nameEnd -= 1 }
            let name = String(String.UnicodeScalarView(scalars[(index + 1)..<nameEnd])).lowercased()
            index = end - 1
            guard InputValidation.usernameLength.contains(name.count) else { continue }
            if seen.insert(name).inserted { found.append(name) }
        }
        return found
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z": return true
        default: return InputValidation.isUsernameScalar(scalar)
        }
    }
}
