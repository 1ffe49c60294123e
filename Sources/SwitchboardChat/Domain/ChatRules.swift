/// Validation rules for user input, with the limits they enforce.
public struct ChatRules: Sendable {
    /// Longest display name, in characters (grapheme clusters).
    public var maxNameLength: Int
    /// Longest message, in characters (grapheme clusters).
    public var maxMessageLength: Int

    /// The default limits: names up to 32 characters, messages up to 2 000.
    public init(maxNameLength: Int = 32, maxMessageLength: Int = 2_000) {
        self.maxNameLength = maxNameLength
        self.maxMessageLength = maxMessageLength
    }

    /// Returns the name trimmed of surrounding white space, or throws why it is not acceptable.
    public func validateName(_ raw: String) throws(ChatError) -> String {
        let name = raw.trimmedWhitespace
        guard !name.isEmpty else { throw ChatError(.invalidName, "name must not be empty") }
        guard name.count <= maxNameLength else {
            throw ChatError(.invalidName, "name must be at most \(maxNameLength) characters")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ChatError(.invalidName, "name must not contain control characters")
        }
        return name
    }

    /// Returns the message text trimmed of surrounding white space, or throws why it is not acceptable.
    public func validateMessage(_ raw: String) throws(ChatError) -> String {
        let text = raw.trimmedWhitespace
        guard !text.isEmpty else { throw ChatError(.invalidMessage, "message must not be empty") }
        guard text.count <= maxMessageLength else {
            throw ChatError(.invalidMessage, "message must be at most \(maxMessageLength) characters")
        }
        return text
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
