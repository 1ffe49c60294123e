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

    /// The namespace name, starting with `/`.
    public let name: String
    /// The adapter that keeps this namespace's rooms and carries out its broadcasts.
    public let adapter: any SocketIOAdapter
    let directory: LocalSocketDirectory
    private let hooks = NIOLockedValueBox(Hooks())

    init(name: String, adapterFactory: @Sendable (SocketIOAdapterContext) -> any SocketIOAdapter) {
        self.name = name
        let directory = LocalSocketDirectory()
        self.directory = directory
        self.adapter = adapterFactory(SocketIOAdapterContext(namespace: name, directory: directory))
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
