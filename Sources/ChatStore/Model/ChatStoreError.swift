/// An error from a hot store, an archive, the history reader, the backup job, the cron parser or a chat directory.
///
/// The ``code`` is extensible: switch on it with a `default` branch. ``message`` says what went wrong in
/// words fit for a log line.
public struct ChatStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidMessage, invalidArgument, malformedRecord, invalidCronExpression, unavailable, schemaMismatch
            case conflict, notFound
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A submitted message breaks ``MessageLimits``; nothing was stored.
        public static let invalidMessage = Code(.invalidMessage)
        /// A caller passed an out-of-range argument (page size, cursor).
        public static let invalidArgument = Code(.invalidArgument)
        /// A stored record could not be decoded (corrupt or foreign data).
        public static let malformedRecord = Code(.malformedRecord)
        /// A cron expression could not be parsed.
        public static let invalidCronExpression = Code(.invalidCronExpression)
        /// The backing server could not be reached or refused the operation; retrying may succeed.
        public static let unavailable = Code(.unavailable)
        /// The database schema is newer than this code knows, or otherwise unexpected.
        public static let schemaMismatch = Code(.schemaMismatch)
        /// The record clashes with one already stored (a taken username or room name, an existing ID).
        public static let conflict = Code(.conflict)
        /// The record the operation needs (a room, a user) does not exist.
        public static let notFound = Code(.notFound)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The underlying error, if any (a driver error).
    public var underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "ChatStoreError.\(code): \(message) (\(underlying))" }
        return "ChatStoreError.\(code): \(message)"
    }

    public static func == (lhs: ChatStoreError, rhs: ChatStoreError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }
}
