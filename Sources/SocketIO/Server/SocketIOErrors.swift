import SwitchboardJSON

/// A refusal from a namespace middleware; the client receives it as `CONNECT_ERROR`
/// `{"message":...,"data":...}` (`data` only when given) and the socket never connects.
public struct SocketIOMiddlewareError: Error, Hashable, Sendable {
    /// The message the client sees.
    public var message: String
    /// Optional details for the client.
    public var data: JSONValue?

    /// Creates a refusal.
    public init(message: String, data: JSONValue? = nil) {
        self.message = message
        self.data = data
    }

    /// The `CONNECT_ERROR` payload.
    var payload: JSONValue {
        var object: JSONObject = ["message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}

/// Why an acknowledgement expected from a client did not arrive.
public struct SocketIOAckError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: Hashable, Sendable { case timeout, disconnected, reservedEventName }
        let base: Base
        /// The code's name.
        public var description: String { "\(base)" }
        /// The client did not acknowledge within the timeout.
        public static let timeout = Code(base: .timeout)
        /// The socket disconnected before the acknowledgement arrived (or was not connected).
        public static let disconnected = Code(base: .disconnected)
        /// The event name is reserved (`connect`, `disconnect`, ...); nothing was sent.
        public static let reservedEventName = Code(base: .reservedEventName)
    }

    /// The kind of failure.
    public var code: Code

    /// Creates an error.
    public init(code: Code) { self.code = code }

    /// A readable form of the error.
    public var description: String { "SocketIOAckError(\(code))" }
}
