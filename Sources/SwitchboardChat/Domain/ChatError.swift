/// Why the chat refused a request; `message` is safe to show to the user.
public struct ChatError: Error, Sendable, Hashable {
    /// A stable, machine-readable reason.
    public struct Code: RawRepresentable, Sendable, Hashable {
        /// The wire spelling of the code.
        public var rawValue: String
        /// Creates a code from its wire spelling.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The display name is empty, too long or has control characters.
        public static let invalidName = Code(rawValue: "invalid_name")
        /// The message is empty or too long.
        public static let invalidMessage = Code(rawValue: "invalid_message")
        /// The action needs a registered name first.
        public static let notRegistered = Code(rawValue: "not_registered")
        /// The request's payload has the wrong shape.
        public static let badRequest = Code(rawValue: "bad_request")
    }

    /// The reason.
    public var code: Code
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
