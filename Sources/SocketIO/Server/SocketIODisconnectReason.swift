import EngineIO

/// Why a socket left its namespace, with the names the Socket.IO protocol uses.
public struct SocketIODisconnectReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The reason as the Socket.IO reference server names it.
    public let rawValue: String

    /// Creates a reason from its name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The reason's name.
    public var description: String { rawValue }

    /// The client sent `DISCONNECT` for the namespace.
    public static let clientNamespaceDisconnect = Self(rawValue: "client namespace disconnect")
    /// The server called ``SocketIOSocket/disconnect(close:)``.
    public static let serverNamespaceDisconnect = Self(rawValue: "server namespace disconnect")
    /// The client closed the transport.
    public static let transportClose = Self(rawValue: "transport close")
    /// The transport failed.
    public static let transportError = Self(rawValue: "transport error")
    /// The client stopped answering pings.
    public static let pingTimeout = Self(rawValue: "ping timeout")
    /// The client sent a packet that could not be decoded.
    public static let parseError = Self(rawValue: "parse error")
    /// The server is shutting down.
    public static let serverShuttingDown = Self(rawValue: "server shutting down")
    /// The server closed the underlying connection.
    public static let forcedClose = Self(rawValue: "forced close")

    /// The reason matching an Engine.IO close reason.
    public init(_ reason: EngineCloseReason) {
        self.init(rawValue: reason.rawValue)
    }
}

extension SocketIODisconnectReason {
    /// Whether a socket that left for this reason keeps its session for connection state recovery
    /// (transport failures and server-side closes, not deliberate disconnections).
    var isRecoverable: Bool {
        self == .transportError || self == .transportClose || self == .forcedClose || self == .pingTimeout
            || self == .serverShuttingDown
    }
}
