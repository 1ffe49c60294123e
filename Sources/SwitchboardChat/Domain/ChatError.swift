/// Why the chat refused a request; ``message`` is safe to show to the user.
///
/// The wire form is `{"code", "message"}` (plus `"retryAfterMs"` for ``Code/rateLimited``), carried in
/// acknowledgements and HTTP error bodies.
public struct ChatError: Error, Sendable, Hashable {
    /// A stable, machine-readable reason; switch on it with a `default` branch.
    public struct Code: RawRepresentable, Sendable, Hashable {
        /// The wire spelling of the code.
        public var rawValue: String
        /// Creates a code from its wire spelling.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The request's payload has the wrong shape or breaks a validation rule.
        public static let badRequest = Code(rawValue: "bad_request")
        /// The room, message or user does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// The user may not do this (not a member, not the author, private room).
        public static let forbidden = Code(rawValue: "forbidden")
        /// The name is taken.
        public static let conflict = Code(rawValue: "conflict")
        /// A text or name is longer than allowed.
        public static let tooLong = Code(rawValue: "too_long")
        /// Too many requests; retry after ``ChatError/retryAfterMilliseconds``.
        public static let rateLimited = Code(rawValue: "rate_limited")
        /// The message store is down; nothing was stored.
        public static let unavailable = Code(rawValue: "unavailable")
        /// An unexpected server failure.
        public static let `internal` = Code(rawValue: "internal")
    }

    /// The reason.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// For ``Code/rateLimited``: how long to wait before the next attempt, in milliseconds.
    public var retryAfterMilliseconds: Int64?

    /// Creates an error.
    public init(_ code: Code, _ message: String, retryAfterMilliseconds: Int64? = nil) {
        self.code = code
        self.message = message
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }
}
