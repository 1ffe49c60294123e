import EngineIO
import SwitchboardJSON

/// What a socket's client sent when it connected: the Engine.IO request and the `CONNECT` payload.
public struct SocketIOHandshake: Sendable {
    /// The `CONNECT` payload (`auth` on the client side); `{}` if the client sent none.
    public let auth: JSONValue
    /// Decoded query parameters of the request that opened the Engine.IO session.
    public let query: [String: String]
    /// Request headers in arrival order.
    public let headers: [(name: String, value: String)]
    /// The client's address, when known.
    public let address: String?
    /// When the Engine.IO session was opened, in milliseconds since the Unix epoch.
    public let issuedAtMilliseconds: Int64
    /// The request target that opened the session.
    public let url: String
    /// Whether the request arrived over TLS.
    public let isSecure: Bool

    /// Creates a handshake from the Engine.IO handshake and the `CONNECT` payload.
    public init(engine: EngineHandshake, auth: JSONValue) {
        self.auth = auth
        self.query = engine.query
        self.headers = engine.headers
        self.address = engine.remoteAddress
        self.issuedAtMilliseconds = engine.issuedAtMilliseconds
        self.url = engine.url
        self.isSecure = engine.isSecure
    }

    /// The first value of the header named `name` (case-insensitive), if any.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}
