/// An error raised by the load generator: a refused configuration, a misbehaving server, or an
/// unreadable `/proc` entry.
public struct BenchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        /// The target host is not a loopback address (127.0.0.0/8, ::1 or `localhost`).
        public static let nonLoopbackTarget = Code(raw: "nonLoopbackTarget")
        /// An option is outside its documented bounds.
        public static let invalidOption = Code(raw: "invalidOption")
        /// The server's HTTP upgrade response was not a valid WebSocket handshake.
        public static let badHandshake = Code(raw: "badHandshake")
        /// The server sent a WebSocket frame this client must reject (RFC 6455).
        public static let badFrame = Code(raw: "badFrame")
        /// The server sent an Engine.IO or Socket.IO packet out of order or malformed.
        public static let badPacket = Code(raw: "badPacket")
        /// The server refused the Socket.IO connection (`CONNECT_ERROR`).
        public static let connectRefused = Code(raw: "connectRefused")
        /// A `/proc` file could not be read or parsed.
        public static let procUnreadable = Code(raw: "procUnreadable")
        /// The scenario could not finish (for example no connection came up).
        public static let scenarioFailed = Code(raw: "scenarioFailed")
        /// The code's name, as used in reports.
        public var description: String { raw }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable detail.
    public var message: String

    /// Creates an error with a code and a detail.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
