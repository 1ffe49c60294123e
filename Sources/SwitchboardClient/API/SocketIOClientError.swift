import SwitchboardJSON

/// Why a Socket.IO client operation failed.
public struct SocketIOClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidURL, ackTimeout, disconnected, connectError, connectTimeout, transportError, reservedEventName
            case tlsSetup
        }
        let base: Base
        /// The URL could not be parsed, or its scheme is not `http`/`ws`.
        public static let invalidURL = Code(base: .invalidURL)
        /// No acknowledgement arrived before the deadline.
        public static let ackTimeout = Code(base: .ackTimeout)
        /// The socket disconnected before the acknowledgement arrived.
        public static let disconnected = Code(base: .disconnected)
        /// The server refused the namespace connection (`CONNECT_ERROR`); see ``SocketIOClientError/data``.
        public static let connectError = Code(base: .connectError)
        /// The engine handshake did not complete within the connect timeout.
        public static let connectTimeout = Code(base: .connectTimeout)
        /// The transport failed before the connection opened.
        public static let transportError = Code(base: .transportError)
        /// The application tried to emit a reserved event name (`connect`, `disconnect`…).
        public static let reservedEventName = Code(base: .reservedEventName)
        /// The TLS setup could not be built (unreadable trust roots, unusable configuration).
        public static let tlsSetup = Code(base: .tlsSetup)
        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable message (for `connectError`, the server's `message`).
    public var message: String
    /// Extra data (for `connectError`, the server's `data`).
    public var data: JSONValue?

    /// Creates an error.
    public init(code: Code, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// `SocketIOClientError(code): message`.
    public var description: String { "SocketIOClientError(\(code)): \(message)" }
}
