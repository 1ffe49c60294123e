import EngineIO
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SocketIO
import SwitchboardBrowserClient
import SwitchboardTransport

/// The chat server: pages, the browser client and the chat's Socket.IO events on one port.
public struct ChatServer: Service {
    /// The Socket.IO server the chat runs on.
    public let io: SocketIOServer
    /// The HTTP server; read its `localPort` once running.
    public let http: HTTPServer

    /// Creates the server; nothing listens until ``run()``.
    ///
    /// - Parameters:
    ///   - security: TLS for HTTPS/WSS (`SwitchboardTLS`), or `nil` for plain HTTP.
    ///   - readiness: set ready while the server accepts work (for a `/readyz` route).
    ///   - addRoutes: adds routes that may use the Socket.IO server (`/metrics`, `/readyz`, the publish API).
    public init(
        configuration: ChatServerConfiguration, logger: Logger, security: TransportSecurity? = nil,
        readiness: ServerReadiness = ServerReadiness(), addRoutes: (inout HTTPRouter, SocketIOServer) -> Void = { _, _ in }
    ) throws {
        let io = SocketIOServer(configuration: configuration.socketIO, logger: logger)
        ChatEvents(configuration: configuration).install(on: io)
        let engine = EngineServer(configuration: configuration.engine, delegate: io, logger: logger)

        var router = HTTPRouter()
        router.mount(engine, at: "/socket.io/")
        BrowserClientRoute.add(to: &router, path: "/socket.io/socket.io.js")
        try StaticPages.add(to: &router)
        router.addRoute(.GET, "/healthz") { _ in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Cache-Control", value: "no-store")
            return HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: #"{"status":"ok"}"#))
        }
        addRoutes(&router, io)

        self.io = io
        self.http = HTTPServer(
            host: configuration.host, port: configuration.port, router: router, security: security, readiness: readiness,
            logger: logger)
    }

    /// Listens until graceful shutdown.
    public func run() async throws {
        try await http.run()
    }
}
