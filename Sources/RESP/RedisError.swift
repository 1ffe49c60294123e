/// An error from a Redis connection or client.
///
/// Switch on ``code``; ``message`` carries the server's text for ``Code/commandFailed`` and
/// ``Code/authenticationFailed``, or a short explanation otherwise.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a `default` branch.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case commandFailed = "command failed"
            case connectionFailed = "connection failed"
            case connectionClosed = "connection closed"
            case timeout = "timeout"
            case protocolViolation = "protocol violation"
            case authenticationFailed = "authentication failed"
            case handshakeFailed = "handshake failed"
            case clientShutdown = "client shut down"
            case invalidConfiguration = "invalid configuration"
        }

        let base: Base

        /// The server answered the command with an error reply (`-ERR ...`, `-WRONGTYPE ...`).
        /// The connection stays usable.
        public static let commandFailed = Code(base: .commandFailed)
        /// No TCP connection to the server could be opened.
        public static let connectionFailed = Code(base: .connectionFailed)
        /// The connection closed before the reply arrived, or was already closed. The command may or
        /// may not have been carried out by the server.
        public static let connectionClosed = Code(base: .connectionClosed)
        /// The reply (or the connection handshake) did not arrive in time; the connection was closed.
        public static let timeout = Code(base: .timeout)
        /// The server sent bytes that are not valid RESP, break a decoder limit, or a reply nobody asked
        /// for; the connection was closed.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// `HELLO ... AUTH` or `AUTH` was refused.
        public static let authenticationFailed = Code(base: .authenticationFailed)
        /// A connection setup command other than authentication (e.g. `SELECT`) was refused.
        public static let handshakeFailed = Code(base: .handshakeFailed)
        /// The client or subscriber was shut down.
        public static let clientShutdown = Code(base: .clientShutdown)
        /// A configuration value (e.g. a `redis://` URL) is invalid.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)

        /// A short English description of the code.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The server's error text, or a short explanation.
    public var message: String
    /// The error reply as received, for ``Code/commandFailed``.
    public var reply: RESPValue?
    /// The lower-level error that caused this one, if any.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, reply: RESPValue? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.reply = reply
        self.underlying = underlying
    }

    /// The server's error code: the first word of the error reply (`ERR`, `WRONGTYPE`, `NOAUTH`…).
    public var serverErrorCode: Substring? {
        guard reply != nil else { return nil }
        return message.split(separator: " ", maxSplits: 1).first
    }

    /// `"Redis error (code): message"`.
    public var description: String { "Redis error (\(code)): \(message)" }
}
