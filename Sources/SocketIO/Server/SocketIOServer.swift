import EngineIO
import Logging
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

        /// Creates a configuration.
        public init(
            connectTimeout: TimeAmount = .seconds(45),
            maximumAttachments: Int = 10,
            jsonParser: JSONParser = JSONParser(),
            adapterFactory: @escaping @Sendable (SocketIOAdapterContext) -> any SocketIOAdapter = { InMemoryAdapter(context: $0) }
        ) {
            self.connectTimeout = connectTimeout
            self.maximumAttachments = maximumAttachments
            self.jsonParser = jsonParser
            self.adapterFactory = adapterFactory
        }
    }

    /// The settings.
    public let configuration: Configuration
    /// The logger (metadata: `engine.sid`, `socket.id`, `socket.nsp`).
    public let logger: Logger
    private let namespaces: NIOLockedValueBox<[String: SocketIONamespace]>
    private let clients = NIOLockedValueBox(Clients())

    struct Clients {
        var byID: [ObjectIdentifier: SocketIOClientConnection] = [:]
        var isShuttingDown = false
    }

    /// Creates a server with the main namespace `/`.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "switchboard.socketio")) {
        self.configuration = configuration
        self.logger = logger
        let main = SocketIONamespace(name: "/", adapterFactory: configuration.adapterFactory)
        self.namespaces = NIOLockedValueBox(["/": main])
    }

    /// The namespace named `name` (a leading `/` is added if missing), created on first use.
    public func of(_ name: String) -> SocketIONamespace {
        let name = name.hasPrefix("/") ? name : "/" + name
        return namespaces.withLockedValue { table in
            if let existing = table[name] { return existing }
            let created = SocketIONamespace(name: name, adapterFactory: configuration.adapterFactory)
            table[name] = created
            return created
        }
    }

    /// The main namespace `/`.
    public var mainNamespace: SocketIONamespace { of("/") }

    func existingNamespace(_ name: String) -> SocketIONamespace? {
        namespaces.withLockedValue { $0[name] }
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

    // MARK: EngineServerDelegate

    /// Takes over a new Engine.IO session: becomes its delegate and starts the connect timeout.
    public func engineServer(didAccept connection: any EngineConnection) {
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
