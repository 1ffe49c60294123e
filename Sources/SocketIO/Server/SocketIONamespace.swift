import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// A Socket.IO namespace (`/`, `/chat`, ...): its middlewares, connection handlers, sockets and rooms.
///
/// Configure it (``use(_:)``, ``onConnection(_:)``) before clients connect; both may be called from any
/// thread.
public final class SocketIONamespace: Sendable {
    /// Decides whether a socket may connect: call `next(nil)` to accept, `next(error)` to refuse.
    /// `next` may be called later and from any thread.
    public typealias Middleware = @Sendable (SocketIOSocket, @escaping @Sendable (SocketIOMiddlewareError?) -> Void) -> Void
    /// Called on the socket's event loop when a socket has connected.
    public typealias ConnectionHandler = @Sendable (SocketIOSocket) -> Void

    struct Hooks {
        var middlewares: [Middleware] = []
        var connectionHandlers: [ConnectionHandler] = []
    }

    /// Handles an event another server of the cluster sent with ``SocketIOAdapter/serverSideEmit(_:arguments:)``;
    /// `ack`, when given, answers the sender.
    public typealias ServerSideEventHandler = @Sendable (String, [JSONValue], (@Sendable ([JSONValue]) -> Void)?) -> Void

    /// The namespace name, starting with `/`.
    public let name: String
    /// The adapter that keeps this namespace's rooms and carries out its broadcasts.
    public let adapter: any SocketIOAdapter
    /// The dynamic namespace this one was created from, if any (its middlewares and connection handlers
    /// are this namespace's).
    public let parent: SocketIOParentNamespace?
    let directory: LocalSocketDirectory
    /// Shared with the parent (and its other children) for a child namespace.
    let hooks: NIOLockedValueBox<Hooks>
    let serverSideHandlers: ServerSideHandlers

    /// Connection state recovery settings of the server, if enabled.
    let recovery: SocketIOConnectionStateRecovery?
    private let offsets = OffsetGenerator()

    init(name: String, configuration: SocketIOServer.Configuration, parent: SocketIOParentNamespace? = nil) {
        self.name = name
        self.recovery = configuration.connectionStateRecovery
        let adapterFactory = configuration.adapterFactory
        self.parent = parent
        self.hooks = parent?.hooks ?? NIOLockedValueBox(Hooks())
        let directory = LocalSocketDirectory()
        self.directory = directory
        let serverSideHandlers = ServerSideHandlers()
        self.serverSideHandlers = serverSideHandlers
        self.adapter = adapterFactory(
            SocketIOAdapterContext(namespace: name, directory: directory, serverSideHandlers: serverSideHandlers)
        )
    }

    /// Adds a handler for events other servers send with ``SocketIOAdapter/serverSideEmit(_:arguments:)``
    /// (never called with the in-memory adapter: there are no other servers).
    public func onServerSideEvent(_ handler: @escaping ServerSideEventHandler) {
        serverSideHandlers.add(handler)
    }

    /// Adds a middleware; middlewares run in the order they were added.
    public func use(_ middleware: @escaping Middleware) {
        hooks.withLockedValue { $0.middlewares.append(middleware) }
    }

    /// Adds a handler for new sockets.
    public func onConnection(_ handler: @escaping ConnectionHandler) {
        hooks.withLockedValue { $0.connectionHandlers.append(handler) }
    }

    /// The connected sockets of this process in this namespace.
    public var sockets: [SocketIOSocket] { directory.all }

    /// The connected local socket with id `id`.
    public func socket(id: String) -> SocketIOSocket? { directory.socket(id) }

    // MARK: Broadcasting

    /// Every socket of the namespace.
    public var all: SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: self, options: SocketIOBroadcastOptions())
    }

    /// The sockets in `room`.
    public func to(_ room: String) -> SocketIOBroadcastOperator { all.to(room) }

    /// The sockets in `room` (same as ``to(_:)``).
    public func `in`(_ room: String) -> SocketIOBroadcastOperator { all.to(room) }

    /// Every socket except members of `room`.
    public func except(_ room: String) -> SocketIOBroadcastOperator { all.except(room) }

    /// Only sockets of this process.
    public var local: SocketIOBroadcastOperator { all.local }

    /// Every socket of the namespace, each expected to acknowledge within `timeout`.
    public func timeout(_ timeout: TimeAmount) -> SocketIOTimedBroadcast { all.timeout(timeout) }

    /// Sends `event` to every socket of the namespace.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        all.emit(event, arguments: arguments)
    }

    /// Sends `event` to every socket of the namespace.
    public func emit(_ event: String, arguments: [JSONValue]) {
        all.emit(event, arguments: arguments)
    }

    /// Every socket, dropping the packet for those that cannot take it now.
    public var volatile: SocketIOBroadcastOperator { all.volatile }

    /// Every socket of the namespace, with compression allowed or not.
    public func compress(_ compress: Bool) -> SocketIOBroadcastOperator { all.compress(compress) }

    /// Every socket of the namespace on every server, as remote-socket handles.
    public func fetchSockets() async -> [SocketIORemoteSocket] { await all.fetchSockets() }

    /// Makes every socket of the namespace (on every server) join `room`.
    public func socketsJoin(_ room: String) { all.socketsJoin(room) }

    /// Makes every socket of the namespace (on every server) leave `room`.
    public func socketsLeave(_ room: String) { all.socketsLeave(room) }

    /// Disconnects every socket of the namespace on every server.
    public func disconnectSockets(close: Bool = false) { all.disconnectSockets(close: close) }

    /// Sends `event` to the other servers of the cluster (not to clients). With the in-memory adapter
    /// it reaches nobody.
    public func serverSideEmit(_ event: String, _ arguments: JSONValue...) {
        adapter.serverSideEmit(event, arguments: arguments)
    }

    /// Sends `event` to the other servers and returns their acknowledgements received within
    /// `timeout` (with the in-memory adapter: `[]` at once).
    public func serverSideEmitWithAck(
        _ event: String, arguments: [JSONValue], timeout: TimeAmount = .seconds(5)
    ) async -> [[JSONValue]] {
        await adapter.serverSideEmitWithAck(event, arguments: arguments, timeout: timeout)
    }

    /// The number of servers in the cluster (1 with the in-memory adapter).
    public func serverCount() async -> Int { await adapter.serverCount() }

    /// With connection state recovery: appends a new offset to `arguments` and records the event for
    /// the sockets `options` selects. Without: returns `arguments` unchanged.
    func stampForRecovery(_ event: String, arguments: [JSONValue], options: SocketIOBroadcastOptions) -> [JSONValue] {
        guard let recovery else { return arguments }
        let offset = offsets.next()
        var stamped = arguments
        stamped.append(.string(offset))
        var packet: [JSONValue] = [.string(event)]
        packet.append(contentsOf: stamped)
        recovery.store.recordPacket(namespace: name, offset: offset, packet: packet, options: options)
        return stamped
    }

    // MARK: Connection

    /// Runs the middlewares for `socket`, then calls `completion` on the socket's loop.
    func runMiddlewares(for socket: SocketIOSocket, completion: @escaping @Sendable (SocketIOMiddlewareError?) -> Void) {
        let middlewares = hooks.withLockedValue { $0.middlewares }
        Self.run(middlewares[...], socket: socket, completion: completion)
    }

    private static func run(
        _ middlewares: ArraySlice<Middleware>, socket: SocketIOSocket,
        completion: @escaping @Sendable (SocketIOMiddlewareError?) -> Void
    ) {
        guard let middleware = middlewares.first else {
            completion(nil)
            return
        }
        let rest = middlewares.dropFirst()
        let once = OnceFlag()
        middleware(socket) { error in
            guard once.setIfUnset() else { return }
            socket.runOnLoop { socket in
                if let error {
                    completion(error)
                } else {
                    run(rest, socket: socket, completion: completion)
                }
            }
        }
    }

    func fireConnection(_ socket: SocketIOSocket) {
        let handlers = hooks.withLockedValue { $0.connectionHandlers }
        for handler in handlers { handler(socket) }
    }
}
