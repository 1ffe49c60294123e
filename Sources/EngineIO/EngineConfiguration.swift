/// Whether a server accepts a new session, as decided by ``EngineConfiguration/allowRequest``.
public enum EngineRequestDecision: Sendable, Hashable {
    /// Open the session.
    case accept
    /// Refuse with HTTP 403 and the JSON body `{"code":4,"message":message}`.
    case refuse(message: String)
}

/// Settings of an Engine.IO server. All durations are in milliseconds.
public struct EngineConfiguration: Sendable {
    /// Milliseconds between two server pings; default 25 000, must be > 0.
    public var pingInterval: Int64
    /// Milliseconds the client has to answer a ping with a pong; default 20 000, must be > 0.
    public var pingTimeout: Int64
    /// Largest accepted polling body or WebSocket message, in bytes; default 1 000 000, must be > 0.
    public var maxPayload: Int
    /// engine.io's name for ``maxPayload``: the largest polling body (larger gets HTTP 413 before it is read)
    /// or WebSocket message (larger closes the WebSocket with 1009), in bytes.
    public var maxHttpBufferSize: Int {
        get { maxPayload }
        set { maxPayload = newValue }
    }
    /// Milliseconds a WebSocket upgrade may take from its opening to the `5` packet; default 10 000.
    public var upgradeTimeout: Int64
    /// The transports clients may use; default both.
    public var transports: Set<EngineTransportKind>
    /// Whether polling sessions may upgrade to WebSocket; default `true`.
    public var allowUpgrades: Bool
    /// Cross-origin rules for polling responses; default: no CORS headers.
    public var cors: EngineCORSConfiguration
    /// Most packets in one polling response, at least 2; default 16, the most python-engineio clients accept
    /// (the rest go in the next poll).
    public var maxPacketsPerPoll: Int = 16
    /// Session caps, connect rate and slow-consumer bounds; default ``ServerLimits/init(maxSessions:maxSessionsPerAddress:connectRate:outboundSoftLimit:outboundHardLimit:)``.
    public var limits: ServerLimits
    /// permessage-deflate (default off) and polling gzip/deflate (default on above 1 024 bytes).
    public var compression = EngineCompression()
    /// Decides whether a handshake may open a session; called on an event loop, must not block.
    public var allowRequest: (@Sendable (EngineHandshake) -> EngineRequestDecision)?

    /// Creates a configuration; every argument has the documented default.
    public init(
        pingInterval: Int64 = 25_000,
        pingTimeout: Int64 = 20_000,
        maxPayload: Int = 1_000_000,
        upgradeTimeout: Int64 = 10_000,
        transports: Set<EngineTransportKind> = [.polling, .websocket],
        allowUpgrades: Bool = true,
        cors: EngineCORSConfiguration = EngineCORSConfiguration(),
        limits: ServerLimits = ServerLimits(),
        allowRequest: (@Sendable (EngineHandshake) -> EngineRequestDecision)? = nil
    ) {
        precondition(pingInterval > 0 && pingTimeout > 0 && maxPayload > 0 && upgradeTimeout > 0)
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.upgradeTimeout = upgradeTimeout
        self.transports = transports
        self.allowUpgrades = allowUpgrades
        self.cors = cors
        self.limits = limits
        self.allowRequest = allowRequest
    }

    /// The upgrades a session opened on `transport` may perform (`["websocket"]` from polling, else none).
    public func upgrades(from transport: EngineTransportKind) -> [EngineTransportKind] {
        transport == .polling && allowUpgrades && transports.contains(.websocket) ? [.websocket] : []
    }
}

/// Cross-origin resource sharing for the polling transport.
public struct EngineCORSConfiguration: Sendable, Hashable {
    /// Which origins may read responses.
    public enum OriginPolicy: Sendable, Hashable {
        /// No CORS headers are sent.
        case none
        /// Every origin (the request's origin is echoed, so credentials work too).
        case any
        /// Only these exact origins (e.g. `https://example.com`).
        case list([String])
    }

    /// Which origins may read responses; default ``OriginPolicy/none``.
    public var origin: OriginPolicy
    /// Whether to send `Access-Control-Allow-Credentials: true`; default `false`.
    public var allowCredentials: Bool
    /// Methods announced in preflight answers; default `GET, POST`.
    public var methods: [String]
    /// Headers announced in preflight answers; `nil` (default) echoes `Access-Control-Request-Headers`.
    public var allowedHeaders: [String]?
    /// Seconds a preflight answer may be cached; `nil` (default) sends no `Access-Control-Max-Age`.
    public var maxAge: Int?

    /// Creates a CORS policy.
    public init(
        origin: OriginPolicy = .none, allowCredentials: Bool = false, methods: [String] = ["GET", "POST"],
        allowedHeaders: [String]? = nil, maxAge: Int? = nil
    ) {
        self.origin = origin
        self.allowCredentials = allowCredentials
        self.methods = methods
        self.allowedHeaders = allowedHeaders
        self.maxAge = maxAge
    }

    /// Any origin, with credentials: what the conformance suites and cross-origin browser pages need.
    public static let anyOriginWithCredentials = EngineCORSConfiguration(origin: .any, allowCredentials: true)

    /// Headers to add to an ordinary response for a request whose `Origin` header is `origin`.
    public func responseHeaders(origin requestOrigin: String?) -> [(name: String, value: String)] {
        guard let requestOrigin, let allowed = allowedOrigin(requestOrigin) else { return [] }
        var headers: [(name: String, value: String)] = [("Access-Control-Allow-Origin", allowed)]
        if allowed != "*" { headers.append(("Vary", "Origin")) }
        if allowCredentials { headers.append(("Access-Control-Allow-Credentials", "true")) }
        return headers
    }

    /// Headers for the answer (204) to a preflight `OPTIONS` request.
    public func preflightHeaders(origin requestOrigin: String?, requestedHeaders: String?) -> [(name: String, value: String)] {
        var headers = responseHeaders(origin: requestOrigin)
        guard !headers.isEmpty else { return [] }
        headers.append(("Access-Control-Allow-Methods", methods.joined(separator: ",")))
        if let allowedHeaders {
            headers.append(("Access-Control-Allow-Headers", allowedHeaders.joined(separator: ",")))
        } else if let requestedHeaders, !requestedHeaders.isEmpty {
            headers.append(("Access-Control-Allow-Headers", requestedHeaders))
            headers.append(("Vary", "Access-Control-Request-Headers"))
        }
        if let maxAge { headers.append(("Access-Control-Max-Age", String(maxAge))) }
        return headers
    }

    func allowedOrigin(_ requestOrigin: String) -> String? {
        switch origin {
        case .none: nil
        case .any: requestOrigin
        case .list(let origins): origins.contains(requestOrigin) ? requestOrigin : nil
        }
    }
}
