import ChatStore
import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SocketIO
import SwitchboardBrowserClient
import SwitchboardTransport

/// The chat server: pages, the JSON API, the browser client and the chat's Socket.IO namespaces on one port.
///
/// Messages go to `messages` (hot store + archive); accounts, rooms, memberships and read markers to
/// `directory`. Run the message store's backup job (``ChatStore/MessageStore/backup``) beside it.
public final class ChatServer: Service, Sendable {
    /// The Socket.IO server the chat runs on.
    public let io: SocketIOServer
    /// The HTTP server; read its `localPort` once running.
    public let http: HTTPServer
    let service: ChatService
    let events: ChatEvents
    let admin: SocketIONamespace
    private let ticker = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// Creates the server; nothing listens until ``start()`` or ``run()``.
    ///
    /// - Parameters:
    ///   - messages: the message store (see `ChatStore`).
    ///   - directory: accounts, rooms, memberships and read markers.
    ///   - security: TLS for HTTPS/WSS (`SwitchboardTLS`), or `nil` for plain HTTP.
    ///   - readiness: set ready while the server accepts work (for a `/readyz` route).
    ///   - clock: milliseconds since the Unix epoch (tests move it).
    ///   - addRoutes: adds routes that may use the Socket.IO server (`/metrics`, `/readyz`, the publish API).
    /// - Throws: ``ChatConfigurationError`` for a bad JWT secret; file errors creating `jwt-secret`.
    public init(
        configuration: ChatServerConfiguration, messages: MessageStore, directory: any ChatDirectory, logger: Logger,
        security: TransportSecurity? = nil, readiness: ServerReadiness = ServerReadiness(),
        clock: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() },
        addRoutes: (inout HTTPRouter, SocketIOServer) -> Void = { _, _ in }
    ) async throws {
        let secret = try JWTSecret.resolve(configured: configuration.jwtSecret, dataDirectory: configuration.dataDirectory)
        let tokens = await TokenAuthority(
            secret: secret, timeToLiveSeconds: configuration.tokenTimeToLiveSeconds, clock: clock)
        let service = ChatService(
            directory: directory, messages: messages, limits: configuration.limits,
            hasher: PasswordHasher(iterations: configuration.passwordIterations), tokens: tokens, clock: clock,
            logger: logger)
        let io = SocketIOServer(configuration: configuration.socketIO, logger: logger)
        let events = ChatEvents(service: service, namespace: io.mainNamespace)
        events.install()
        self.admin = AdminNamespace.install(on: io, adminToken: configuration.adminToken)
        let engine = EngineServer(configuration: configuration.engine, delegate: io, logger: logger)

        var router = HTTPRouter()
        router.mount(engine, at: "/socket.io/")
        BrowserClientRoute.add(to: &router, path: "/socket.io/socket.io.js")
        try StaticPages.add(to: &router)
        APIRoutes.add(to: &router, service: service)
        router.addRoute(.GET, "/healthz") { _ in
            APIRoutes.json(.ok, ["status": "ok"])
        }
        addRoutes(&router, io)

        self.io = io
        self.service = service
        self.events = events
        self.http = HTTPServer(
            host: configuration.host, port: configuration.port, router: router, security: security, readiness: readiness,
            logger: logger)
    }

    /// Prepares the directory (migrations, the seeded `general` room), starts listening and the timers;
    /// returns the bound port.
    @discardableResult
    public func start() async throws -> Int {
        try await service.seed()
        let port = try await http.start()
        let task = Task { [service, events, admin, io] in
            await Self.tick(service: service, events: events, admin: admin, io: io)
        }
        ticker.withLockedValue { $0 = task }
        return port
    }

    /// Stops the timers and the HTTP server (closing every session), then runs the backup job once so that
    /// messages held only in a memory hot store reach the archive before the process ends.
    public func stop() async {
        ticker.withLockedValue { $0?.cancel() }
        await http.stop()
        if let backup = service.messages.backup {
            let summary = await backup.runOnce()
            if summary.gaveUp { service.logger.error("final backup gave up; recent messages may be lost") }
        }
    }

    /// Serves until graceful shutdown.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await stop()
    }

    /// Expires typing entries every 250 ms and sends `/admin` its `stats` every second, until cancelled.
    static func tick(service: ChatService, events: ChatEvents, admin: SocketIONamespace, io: SocketIOServer) async {
        let sampler = OperationsSampler(io: io, service: service, events: events)
        var previous: (total: Int64, time: Int64)?
        var lastStats: Int64 = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            for change in service.tick() { events.announceTyping(change, by: nil) }
            let now = service.now
            guard now - lastStats >= 1_000 else { continue }
            lastStats = now
            let counters = service.counters
            if !admin.sockets.isEmpty {
                let stats = await sampler.sample(now: now, previousTotal: previous?.total, previousTime: previous?.time)
                admin.emit("stats", stats.json)
            }
            previous = (counters.messagesTotal, now)
        }
    }
}
