import EngineIO
import NIOCore
import SwitchboardJSON

/// How a Socket.IO client connects: transports, path, query, headers, reconnection, acknowledgements.
public struct SocketIOClientOptions: Sendable {
    /// The Engine.IO transports to use, in order: the first opens the session, a later `websocket` is
    /// the upgrade target. Default `[.polling, .websocket]`; `[.websocket]` or `[.polling]` for one only.
    public var transports: [EngineTransportKind]
    /// The HTTP path of the Engine.IO endpoint, default `/socket.io/`.
    public var path: String
    /// Extra query parameters sent with every Engine.IO request.
    public var query: [(name: String, value: String)]
    /// Extra HTTP headers sent with every request (polling) and with the WebSocket handshake.
    public var extraHeaders: [(name: String, value: String)]
    /// The `auth` payload sent in `CONNECT` (a JSON object), default none.
    public var auth: JSONObject?
    /// A fresh engine connection instead of the shared one for the same host, default `false`.
    public var forceNew: Bool
    /// Whether to reconnect after losing the connection, default `true`.
    public var reconnection: Bool
    /// The most reconnection attempts, `nil` (default) for unlimited.
    public var reconnectionAttempts: Int?
    /// The first reconnection delay, default 1 s.
    public var reconnectionDelay: Duration
    /// The largest reconnection delay, default 5 s.
    public var reconnectionDelayMax: Duration
    /// The jitter of reconnection delays, 0…1, default 0.5.
    public var randomizationFactor: Double
    /// How long the engine handshake may take before `connect_error`, default 20 s.
    public var timeout: Duration
    /// The acknowledgement timeout of every emit when ``retries`` > 0 (or of emits with an ack), default none.
    public var ackTimeout: Duration?
    /// How often an unacknowledged emit is sent again (same packet, same ack id), default 0.
    public var retries: Int
    /// TLS for `https://` and `wss://` URLs, default none (`.tls(…)` from the `SwitchboardClientTLS` module).
    public var tls: SocketIOClientTLS?

    /// Creates options; every parameter has the default of the Socket.IO JavaScript client.
    public init(
        transports: [EngineTransportKind] = [.polling, .websocket],
        path: String = "/socket.io/",
        query: [(name: String, value: String)] = [],
        extraHeaders: [(name: String, value: String)] = [],
        auth: JSONObject? = nil,
        forceNew: Bool = false,
        reconnection: Bool = true,
        reconnectionAttempts: Int? = nil,
        reconnectionDelay: Duration = .seconds(1),
        reconnectionDelayMax: Duration = .seconds(5),
        randomizationFactor: Double = 0.5,
        timeout: Duration = .seconds(20),
        ackTimeout: Duration? = nil,
        retries: Int = 0,
        tls: SocketIOClientTLS? = nil
    ) {
        self.transports = transports
        self.path = path
        self.query = query
        self.extraHeaders = extraHeaders
        self.auth = auth
        self.forceNew = forceNew
        self.reconnection = reconnection
        self.reconnectionAttempts = reconnectionAttempts
        self.reconnectionDelay = reconnectionDelay
        self.reconnectionDelayMax = reconnectionDelayMax
        self.randomizationFactor = randomizationFactor
        self.timeout = timeout
        self.ackTimeout = ackTimeout
        self.retries = retries
        self.tls = tls
    }
}

extension Duration {
    /// The duration in whole milliseconds.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration as a NIO `TimeAmount`.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
