import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The HTTP/WebSocket server: one port, routed by an ``HTTPRouter``; a swift-service-lifecycle `Service`.
///
/// `run()` binds, serves until graceful shutdown, then stops accepting, closes Engine.IO sessions with
/// "server shutting down" and drains. It prints nothing; read ``localPort`` once bound.
///
/// Each connection lives on one loop of `eventLoopGroup`; a session's requests that arrive on other loops
/// hop to the session's loop. Requests of one session sent on *different* connections a few milliseconds
/// apart can therefore be handled out of their sending order when the machine is busy. The protocol test
/// suites race exactly that (a second poll 5 ms after the first, a poll right after the WebSocket `5`), so
/// conformance runs should pass a one-thread group, e.g. `MultiThreadedEventLoopGroup(numberOfThreads: 1)`,
/// which handles events in arrival order as engine.io does.
public final class HTTPServer: Service, Sendable {
    enum State {
        case idle
        case running(any Channel)
        case stopped
    }

    /// The host to bind (e.g. `127.0.0.1`, `0.0.0.0`).
    public let host: String
    /// The port to bind; `0` picks a free port.
    public let port: Int
    let router: HTTPRouter
    let group: any EventLoopGroup
    let logger: Logger
    /// How long shutdown waits for sessions to end after asking them to close, in milliseconds.
    public let drainTimeoutMilliseconds: Int64
    /// What runs in front of HTTP on each connection (TLS), if anything.
    public let security: TransportSecurity?
    /// Set ready once listening, not ready as soon as shutdown begins (for a `/readyz` route).
    public let readiness: ServerReadiness
    private let state = NIOLockedValueBox(State.idle)
    /// The open connections (closed at the end of ``stop()``).
    let connections = NIOLockedValueBox([ObjectIdentifier: any Channel]())

    /// Creates a server; nothing is bound before ``start()`` or ``run()``.
    public init(
        host: String, port: Int, router: HTTPRouter,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        drainTimeoutMilliseconds: Int64 = 2_000,
        security: TransportSecurity? = nil,
        readiness: ServerReadiness = ServerReadiness(),
        logger: Logger
    ) {
        self.security = security
        self.readiness = readiness
        self.host = host
        self.port = port
        self.router = router
        self.group = eventLoopGroup
        self.drainTimeoutMilliseconds = drainTimeoutMilliseconds
        self.logger = logger
    }

    /// The bound port, once the server is listening.
    public var localPort: Int? {
        state.withLockedValue { state in
            if case .running(let channel) = state { return channel.localAddress?.port }
            return nil
        }
    }

    /// Binds and starts accepting connections; returns the bound port.
    @discardableResult
    public func start() async throws -> Int {
        let router = self.router
        let logger = self.logger
        let connections = self.connections
        let security = self.security
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // On the listening socket only (also NIO's default): Linux copies it to every accepted socket, so a
            // child option would cost a `setsockopt` per connection for nothing.
            .serverChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Each connection keeps its receive buffer between reads (NIO pools it per channel): start it at
            // 512 bytes, not NIO's 2 048, so an idle WebSocket holds 1.5 KB less; bigger reads still grow it.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536))
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                connections.withLockedValue { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in _ = connections.withLockedValue { $0.removeValue(forKey: id) } }
                return channel.eventLoop.makeCompletedFuture {
                    try security?.configure(channel)
                    try Self.configure(
                        channel: channel, router: router, isSecure: security?.isSecure ?? false, logger: logger,
                        hasSecurityHandlers: security != nil)
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        state.withLockedValue { $0 = .running(channel) }
        readiness.setReady(true)
        return channel.localAddress?.port ?? port
    }

    /// Adds the connection's first handlers; `hasSecurityHandlers`: a ``TransportSecurity`` added handlers before.
    static func configure(
        channel: any Channel, router: HTTPRouter, isSecure: Bool, logger: Logger, hasSecurityHandlers: Bool = false
    ) throws {
        if !isSecure, !router.engineServers.isEmpty {
            // Engine.IO WebSocket handshakes skip the HTTP pipeline; other requests get it on their first bytes.
            try channel.pipeline.syncOperations.addHandler(
                FirstRequestHandler(router: router, logger: logger, isOnlyHandler: !hasSecurityHandlers))
            return
        }
        try configureHTTP(channel: channel, router: router, isSecure: isSecure, logger: logger, upgrades: true)
    }

    /// Adds NIO's HTTP server pipeline (with our WebSocket upgrader when `upgrades`) and our request handler.
    @discardableResult
    static func configureHTTP(
        channel: any Channel, router: HTTPRouter, isSecure: Bool, logger: Logger, upgrades: Bool
    ) throws -> HTTPConnectionHandler {
        let handler = HTTPConnectionHandler(router: router, isSecure: isSecure, logger: logger)
        let upgrader = RoutingWebSocketUpgrader(router: router, isSecure: isSecure)
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: upgrades
                ? (
                    upgraders: [upgrader],
                    completionHandler: { context in
                        context.pipeline.removeHandler(name: "switchboard.http", promise: nil)
                    }
                ) : nil,
            withErrorHandling: true
        )
        try channel.pipeline.syncOperations.addHandler(handler, name: "switchboard.http")
        return handler
    }

    /// Stops accepting, closes every Engine.IO session with "server shutting down", waits for them to end
    /// (at most ``drainTimeoutMilliseconds``; then the rest are ended at once), then closes the connections
    /// that are still open (idle keep-alive, plain WebSockets).
    public func stop() async {
        readiness.setReady(false)
        let channel = state.withLockedValue { state -> (any Channel)? in
            defer { state = .stopped }
            if case .running(let channel) = state { return channel }
            return nil
        }
        try? await channel?.close()
        let servers = router.engineServers
        for server in servers { server.closeAllSessions(reason: .serverShuttingDown) }
        let deadline = ContinuousClock.now + .milliseconds(drainTimeoutMilliseconds)
        while servers.contains(where: { $0.sessionCount > 0 }) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for server in servers { server.terminateAllSessions(reason: .serverShuttingDown) }
        // Let the last answers reach the sockets before closing what remains.
        try? await Task.sleep(for: .milliseconds(20))
        let remaining = connections.withLockedValue { Array($0.values) }
        for channel in remaining { try? await channel.close() }
    }

    /// Serves until graceful shutdown (or cancellation), then stops as ``stop()`` does.
    public func run() async throws {
        if localPort == nil { try await start() }
        logger.info("listening", metadata: ["http.host": "\(host)", "http.port": "\(localPort ?? port)"])
        try? await gracefulShutdown()
        await stop()
    }
}
