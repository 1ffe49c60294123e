import EngineIO
import NIOCore
import NIOHTTP1

/// A plain HTTP request, with its body collected up to the router's limit.
public struct HTTPRequest: Sendable {
    /// The request line and headers.
    public var head: HTTPRequestHead
    /// The complete body.
    public var body: ByteBuffer
    /// The peer's IP address, when known.
    public var remoteAddress: String?

    /// Creates a request.
    public init(head: HTTPRequestHead, body: ByteBuffer, remoteAddress: String?) {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The path of the request target, without the query.
    public var path: Substring { EngineRequestValidation.path(ofTarget: head.uri) }

    /// The decoded query parameters (first value wins).
    public var query: [String: String] { EngineRequestValidation.parseQuery(ofTarget: head.uri).query }
}

/// A plain HTTP response. `Content-Length` is added by the server.
public struct HTTPResponse: Sendable {
    /// The status.
    public var status: HTTPResponseStatus
    /// The headers.
    public var headers: HTTPHeaders
    /// The body.
    public var body: ByteBuffer

    /// Creates a response.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A route that answers HTTP requests.
public typealias HTTPRouteHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

/// A path answered by a plain WebSocket (not Engine.IO), e.g. `/echo`.
public struct WebSocketRoute: Sendable {
    /// Largest accepted frame payload, in bytes; checked before buffering.
    public var maxFrameSize: Int
    /// Decides the upgrade: extra headers for the 101 response (e.g. `Sec-WebSocket-Extensions`), or `nil` to refuse.
    public var shouldUpgrade: @Sendable (HTTPRequestHead) -> HTTPHeaders?
    /// Called after the 101 response, with a `WebSocketFrameDecoder(maxFrameSize:)` and a
    /// `WebSocketFrameEncoder` in the pipeline; adds the handlers that serve the connection.
    public var configurePipeline: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<Void>

    /// Creates a WebSocket route.
    public init(
        maxFrameSize: Int,
        shouldUpgrade: @escaping @Sendable (HTTPRequestHead) -> HTTPHeaders? = { _ in [:] },
        configurePipeline: @escaping @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<Void>
    ) {
        self.maxFrameSize = maxFrameSize
        self.shouldUpgrade = shouldUpgrade
        self.configurePipeline = configurePipeline
    }
}

/// Which handler serves which path on the server's one port.
///
/// Engine.IO endpoints are matched first, then WebSocket routes (upgrade requests only), then HTTP routes
/// in the order they were added; anything else is answered 404.
public struct HTTPRouter: Sendable {
    struct EngineEndpoint: Sendable {
        var path: String
        var server: EngineServer
    }

    struct Route: Sendable {
        var method: HTTPMethod?
        var path: String
        var isPrefix: Bool
        var handler: HTTPRouteHandler
    }

    var engineEndpoints: [EngineEndpoint] = []
    var webSocketRoutes: [String: WebSocketRoute] = [:]
    var routes: [Route] = []
    /// Largest body collected for a plain HTTP route, in bytes (default 1 MiB); larger requests get 413.
    public var maxRequestBodySize: Int = 1 << 20

    /// An empty router.
    public init() {}

    /// Serves an Engine.IO server at `path` (e.g. `/engine.io/`); `path` with or without its trailing slash matches.
    public mutating func mount(_ server: EngineServer, at path: String) {
        engineEndpoints.append(EngineEndpoint(path: path, server: server))
    }

    /// Serves a plain WebSocket at exactly `path`.
    public mutating func addWebSocketRoute(_ route: WebSocketRoute, at path: String) {
        webSocketRoutes[path] = route
    }

    /// Answers requests for exactly `path` (any method when `method` is `nil`).
    public mutating func addRoute(_ method: HTTPMethod?, _ path: String, handler: @escaping HTTPRouteHandler) {
        routes.append(Route(method: method, path: path, isPrefix: false, handler: handler))
    }

    /// Answers requests whose path starts with `prefix` (any method when `method` is `nil`).
    public mutating func addRoute(_ method: HTTPMethod?, prefix: String, handler: @escaping HTTPRouteHandler) {
        routes.append(Route(method: method, path: prefix, isPrefix: true, handler: handler))
    }

    /// The Engine.IO server mounted at `path`, if any.
    func engineServer(forPath path: Substring) -> EngineServer? {
        for endpoint in engineEndpoints {
            if path == endpoint.path { return endpoint.server }
            if endpoint.path.hasSuffix("/"), path == endpoint.path.dropLast() { return endpoint.server }
        }
        return nil
    }

    /// The HTTP route for a method and path, if any.
    func route(method: HTTPMethod, path: Substring) -> HTTPRouteHandler? {
        for route in routes {
            if let routeMethod = route.method, routeMethod != method { continue }
            if route.isPrefix ? path.hasPrefix(route.path) : path == route.path { return route.handler }
        }
        return nil
    }

    /// Every mounted Engine.IO server.
    var engineServers: [EngineServer] { engineEndpoints.map(\.server) }
}
