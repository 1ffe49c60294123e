import EngineIO
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// A Socket.IO v5 server on top of Engine.IO sessions.
///
/// Hand it to the Engine.IO transport as its ``EngineServerDelegate``. The main namespace `/` always
/// exists; create others with ``of(_:)`` before clients connect to them.
public final class SocketIOServer: EngineServerDelegate, Sendable {
    /// Server settings.
    public struct Configuration: Sendable {
        /// How long a new Engine.IO connection may stay without joining a namespace before it is closed
        /// (default 45 s).
        public var connectTimeout: TimeAmount
        /// The most binary attachments one inbound packet may announce (default 10).
        public var maximumAttachments: Int
        /// The parser for inbound payloads, with its size and nesting limits.
        public var jsonParser: JSONParser
        /// Creates the adapter of each namespace (default: ``InMemoryAdapter``).
        public var adapterFactory: @Sendable (SocketIOAdapterContext) -> any SocketIOAdapter
        /// Whether a child of a dynamic namespace is removed once its last socket leaves (default
        /// `false`, as socket.io's `cleanupEmptyChildNamespaces`); the next client re-creates it.
        public var cleanupEmptyChildNamespaces: Bool
        /// Connection state recovery (`nil`, the default, disables it).
        public var connectionStateRecovery: SocketIOConnectionStateRecovery?
        /// Per-socket limit on inbound events (`nil`, the default: no limit).
        public var eventRateLimit: SocketIOEventRateLimit?
        /// Where the layer's metrics go (`nil`, the default: the bootstrapped `MetricsSystem.factory`).
        public var metricsFactory: (any MetricsFactory)?

        /// Creates a configuration.
        public init(
            connectTimeout: TimeAmount = .seconds(45),
            maximumAttachments: Int = 10,
            jsonParser: JSONParser = JSONParser(),
            adapterFactory: @escaping @Sendable (SocketIOAdapterContext) -> any SocketIOAdapter = { InMemoryAdapter(context: $0) },
            cleanupEmptyChildNamespaces: Bool = false,
            connectionStateRecovery: SocketIOConnectionStateRecovery? = nil,
            eventRateLimit: SocketIOEventRateLimit? = nil,
            metricsFactory: (any MetricsFactory)? = nil
        ) {
            self.metricsFactory = metricsFactory
            self.connectionStateRecovery = connectionStateRecovery
            self.eventRateLimit = eventRateLimit
            self.connectTimeout = connectTimeout
            self.maximumAttachments = maximumAttachments
            self.jsonParser = jsonParser
            self.adapterFactory = adapterFactory
            self.cleanupEmptyChildNamespaces = cleanupEmptyChildNamespaces
        }
    }

    /// The settings.
    public let configuration: Configuration
    /// The logger (metadata: `engine.sid`, `socket.id`, `socket.nsp`).
    public let logger: Logger
    let metrics: SocketIOMetrics
    /// Per-loop outboxes that batch a tick's cross-loop broadcasts and emits into one hop per loop.
    let loopHops = LoopHopOutboxes()
    /// One connect-timeout timer per event loop (see ``ConnectDeadlines``).
    let connectTimers: ConnectTimeoutTimers
    private let namespaces: NIOLockedValueBox<Namespaces>
    private let clients = NIOLockedValueBox(Clients())

    struct Namespaces {
        /// Static namespaces and the children of dynamic ones, by name.
        var byName: [String: SocketIONamespace]
        /// Dynamic namespaces, in creation order.
        var parents: [SocketIOParentNamespace] = []
    }

    struct Clients {
        var byID: [ObjectIdentifier: SocketIOClientConnection] = [:]
        var isShuttingDown = false
    }

    /// Creates a server with the main namespace `/`.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "switchboard.socketio")) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = SocketIOMetrics(factory: configuration.metricsFactory ?? MetricsSystem.factory)
        self.connectTimers = ConnectTimeoutTimers(timeout: configuration.connectTimeout)
        let main = SocketIONamespace(name: "/", configuration: configuration)
        self.namespaces = NIOLockedValueBox(Namespaces(byName: ["/": main]))
    }

    /// The namespace named `name` (a leading `/` is added if missing), created on first use.
    ///
    /// A namespace created here is static: it wins over any dynamic namespace whose rule matches its name.
    public func of(_ name: String) -> SocketIONamespace {
        let name = name.hasPrefix("/") ? name : "/" + name
        return namespaces.withLockedValue { table in
            if let existing = table.byName[name], existing.parent == nil { return existing }
            // A static namespace replaces a dynamic child of the same name for new clients.
            let created = SocketIONamespace(name: name, configuration: configuration)
            table.byName[name] = created
            return created
        }
    }

    /// A dynamic namespace: clients may connect to any name for which `matches(name, auth)` returns
    /// `true`; the child namespace is created on the first such connection.
    ///
    /// ```swift
    /// let workspaces = io.of { name, _ in name.hasPrefix("/workspace-") }
    /// workspaces.onConnection { socket in socket.emit("hello", .string(socket.namespace.name)) }
    /// ```
    public func of(matching matches: @escaping SocketIOParentNamespace.Matcher) -> SocketIOParentNamespace {
        let parent = SocketIOParentNamespace(matcher: matches)
        namespaces.withLockedValue { $0.parents.append(parent) }
        return parent
    }

    /// A dynamic namespace for every name that `pattern` matches as a whole (e.g. `/^\/room-\d+$/`).
    public func of(regex pattern: String) throws -> SocketIOParentNamespace {
        let regex = try NamespacePattern(pattern)
        return of(matching: { name, _ in regex.matches(name) })
    }

    /// The main namespace `/`.
    public var mainNamespace: SocketIONamespace { of("/") }

    func existingNamespace(_ name: String) -> SocketIONamespace? {
        namespaces.withLockedValue { $0.byName[name] }
    }

    /// The namespace named `name` if it exists: a static one, or a child a dynamic namespace has created;
    /// unlike ``of(_:)`` it never creates one.
    public func namespace(named name: String) -> SocketIONamespace? {
        existingNamespace(name)
    }

    /// The namespace a client's `CONNECT` to `name` joins: the existing one, or a new child of the first
    /// dynamic namespace that matches.
    func resolveNamespace(_ name: String, auth: JSONValue) -> SocketIONamespace? {
        let (existing, parents) = namespaces.withLockedValue { ($0.byName[name], $0.parents) }
        if let existing { return existing }
        guard let parent = parents.first(where: { $0.matcher(name, auth) }) else { return nil }
        return namespaces.withLockedValue { table in
            if let raced = table.byName[name] { return raced }
            let child = SocketIONamespace(name: name, configuration: configuration, parent: parent)
            table.byName[name] = child
            parent.addChild(child)
            return child
        }
    }

    /// Called when a socket left `namespace`: removes an empty child namespace when configured to.
    func socketLeft(_ namespace: SocketIONamespace) {
        guard configuration.cleanupEmptyChildNamespaces, let parent = namespace.parent else { return }
        let removed = namespaces.withLockedValue { table in
            guard table.byName[namespace.name] === namespace, namespace.directory.isEmpty else { return false }
            table.byName[namespace.name] = nil
            return true
        }
        if removed {
            parent.removeChild(namespace)
            namespace.adapter.close()
            logger.debug("removed empty child namespace", metadata: ["socket.nsp": "\(namespace.name)"])
        }
    }

    // MARK: Shortcuts to the main namespace

    /// Adds a middleware to `/`.
    public func use(_ middleware: @escaping SocketIONamespace.Middleware) { mainNamespace.use(middleware) }

    /// Adds a connection handler to `/`.
    public func onConnection(_ handler: @escaping SocketIONamespace.ConnectionHandler) {
        mainNamespace.onConnection(handler)
    }

    /// Sends `event` to every socket of `/`.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        mainNamespace.emit(event, arguments: arguments)
    }

    /// Every socket of `/`, each expected to acknowledge within `timeout`.
    public func timeout(_ timeout: TimeAmount) -> SocketIOTimedBroadcast { mainNamespace.timeout(timeout) }

    /// The sockets of `/` in `room`.
    public func to(_ room: String) -> SocketIOBroadcastOperator { mainNamespace.to(room) }

    /// The sockets of `/` in `room`.
    public func `in`(_ room: String) -> SocketIOBroadcastOperator { mainNamespace.to(room) }

    /// The sockets of `/` except the members of `room`.
    public func except(_ room: String) -> SocketIOBroadcastOperator { mainNamespace.except(room) }

    /// Every socket of `/`, dropping the packet for those that cannot take it now.
    public var volatile: SocketIOBroadcastOperator { mainNamespace.volatile }

    /// Every socket of `/` in this process only.
    public var local: SocketIOBroadcastOperator { mainNamespace.local }

    /// Every socket of `/`, with compression allowed or not.
    public func compress(_ compress: Bool) -> SocketIOBroadcastOperator { mainNamespace.compress(compress) }

    /// The sockets of `/` on every server, as remote-socket handles.
    public func fetchSockets() async -> [SocketIORemoteSocket] { await mainNamespace.fetchSockets() }

    /// Makes every socket of `/` (on every server) join `room`.
    public func socketsJoin(_ room: String) { mainNamespace.socketsJoin(room) }

    /// Makes every socket of `/` (on every server) leave `room`.
    public func socketsLeave(_ room: String) { mainNamespace.socketsLeave(room) }

    /// Disconnects every socket of `/` on every server.
    public func disconnectSockets(close: Bool = false) { mainNamespace.disconnectSockets(close: close) }

    /// Sends `event` to the other servers of the cluster through the adapter of `/` (not to clients).
    public func serverSideEmit(_ event: String, _ arguments: JSONValue...) {
        mainNamespace.adapter.serverSideEmit(event, arguments: arguments)
    }

    // MARK: EngineServerDelegate

    /// Takes over a new Engine.IO session: becomes its delegate and starts the connect timeout.
    public func engineServer(didAccept connection: any EngineConnection) {
        loopHops.register(connection.eventLoop)
        let client = SocketIOClientConnection(connection: connection, server: self)
        let accepted = clients.withLockedValue { clients in
            guard !clients.isShuttingDown else { return false }
            clients.byID[ObjectIdentifier(client)] = client
            return true
        }
        guard accepted else {
            connection.close()
            return
        }
        connection.delegate = client
        client.start()
    }

    func remove(_ client: SocketIOClientConnection) {
        clients.withLockedValue { _ = $0.byID.removeValue(forKey: ObjectIdentifier(client)) }
    }

    /// The number of Engine.IO connections the server currently serves.
    public var connectionCount: Int { clients.withLockedValue { $0.byID.count } }

    /// Disconnects every socket with "server shutting down", closes every connection, and closes
    /// connections accepted afterwards at once.
    public func close() {
        let all = clients.withLockedValue { clients in
            clients.isShuttingDown = true
            return Array(clients.byID.values)
        }
        for client in all {
            let loop = client.connection.eventLoop
            if loop.inEventLoop {
                client.disconnectAll(reason: .serverShuttingDown, notifyClients: false)
            } else {
                loop.execute { client.disconnectAll(reason: .serverShuttingDown, notifyClients: false) }
            }
        }
    }
}
