/// The contract's rules for names, passwords and texts. Pure: each function returns the normalized value
/// or throws a ``ChatError`` whose message says which rule was broken.
enum InputValidation {
    /// Username bounds, in characters.
    static let usernameLength = 3...32
    /// Password bounds, in UTF-8 bytes.
    static let passwordBytes = 8...128
    /// Display name bounds, in characters.
    static let displayNameLength = 1...64
    /// Room name bounds, in characters.
    static let roomNameLength = 1...48

    /// A username lower-cased; 3–32 characters of `[a-z0-9_.-]`.
    static func username(_ raw: String) throws(ChatError) -> String {
        let name = raw.lowercased()
        guard usernameLength.contains(name.count) else {
            throw ChatError(.badRequest, "username must be 3 to 32 characters")
        }
        guard name.unicodeScalars.allSatisfy(isUsernameScalar) else {
            throw ChatError(.badRequest, "username may only contain a-z, 0-9, '_', '.' and '-'")
        }
        return name
    }

    /// Whether `scalar` may appear in a username (lower case).
    static func isUsernameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "0"..."9", "_", ".", "-": return true
        default: return false
        }
    }

    /// A password as given; 8–128 bytes of UTF-8.
    static func password(_ raw: String) throws(ChatError) -> String {
        guard raw.utf8.count >= passwordBytes.lowerBound else {
            throw ChatError(.badRequest, "password must be at least 8 bytes")
        }
        guard raw.utf8.count <= passwordBytes.upperBound else {
            throw ChatError(.tooLong, "password must be at most 128 bytes")
        }
        return raw
    }

    /// A display name trimmed; 1–64 characters, no control characters. `nil` or blank → `fallback`.
    static func displayName(_ raw: String?, fallback: String) throws(ChatError) -> String {
        let name = (raw ?? "").trimmedWhitespace
        guard !name.isEmpty else { return fallback }
        guard name.count <= displayNameLength.upperBound else {
            throw ChatError(.tooLong, "display name must be at most 64 characters")
        }
        guard !name.unicodeScalars.contains(where: isControl) else {
            throw ChatError(.badRequest, "display name must not contain control characters")
        }
        return name
    }

    /// A room name trimmed; 1–48 characters of letters, digits, space, `-`, `_`, `.`.
    static func roomName(_ raw: String) throws(ChatError) -> String {
        let name = raw.trimmedWhitespace
        guard !name.isEmpty else { throw ChatError(.badRequest, "room name must not be empty") }
        guard name.count <= roomNameLength.upperBound else {
            throw ChatError(.tooLong, "room name must be at most 48 characters")
        }
        guard name.unicodeScalars.allSatisfy(isRoomNameScalar) else {
            throw ChatError(.badRequest, "room name may only contain letters, digits, spaces, '-', '_' and '.'")
        }
        return name
    }

    static func isRoomNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "-", "_", ".": return true
        default:
            let properties = scalar.properties
            return properties.isAlphabetic || properties.numericType == .decimal
        }
    }

    /// A message text trimmed; 1…`limits.maxTextLength` characters.
    static func text(_ raw: String, limits: ChatLimits) throws(ChatError) -> String {
        let text = raw.trimmedWhitespace
        guard !text.isEmpty else { throw ChatError(.badRequest, "message must not be empty") }
        guard text.count <= limits.maxTextLength else {
            throw ChatError(.tooLong, "message must be at most \(limits.maxTextLength) characters")
        }
        return text
    }

    /// A client message id as given; 1…`limits.maxClientMessageIDLength` characters.
    static func clientMessageID(_ raw: String, limits: ChatLimits) throws(ChatError) -> String {
        guard !raw.isEmpty else { throw ChatError(.badRequest, "clientMessageId must not be empty") }
        guard raw.count <= limits.maxClientMessageIDLength else {
            throw ChatError(.tooLong, "clientMessageId must be at most \(limits.maxClientMessageIDLength) characters")
        }
        return raw
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
    }
}

extension String {
    /// The string without leading and trailing white space and newlines (no Foundation needed).
    var trimmedWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
