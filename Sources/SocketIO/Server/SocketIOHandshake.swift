import EngineIO
import SwitchboardJSON

/// What a socket's client sent when it connected: the Engine.IO request and the `CONNECT` payload.
public struct SocketIOHandshake: Sendable {
    /// The `CONNECT` payload (`auth` on the client side); `{}` if the client sent none.
    public let auth: JSONValue
    /// The request that opened the Engine.IO session.
    public let engine: EngineHandshake

    /// Creates a handshake from the Engine.IO handshake and the `CONNECT` payload.
    public init(engine: EngineHandshake, auth: JSONValue) {
        self.engine = engine
        self.auth = auth
    }

    /// Decoded query parameters of the request that opened the Engine.IO session.
    public var query: [String: String] { engine.query }
    /// Request headers in arrival order.
    public var headers: [(name: String, value: String)] { engine.headers }
    /// The client's address, when known.
    public var address: String? { engine.remoteAddress }
    /// When the Engine.IO session was opened, in milliseconds since the Unix epoch.
    public var issuedAtMilliseconds: Int64 { engine.issuedAtMilliseconds }
    /// The request target that opened the session.
    public var url: String { engine.url }
    /// Whether the request arrived over TLS.
    public var isSecure: Bool { engine.isSecure }

    /// The first value of the header named `name` (case-insensitive), if any.
    public func header(_ name: String) -> String? { engine.header(name) }
}
