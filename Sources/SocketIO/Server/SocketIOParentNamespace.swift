import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// A dynamic namespace: a rule that matches namespace names, and the middlewares and connection handlers
/// shared by the child namespaces it creates on demand (`io.of { name, auth in ... }`).
///
/// When a client connects to a namespace that was not created with ``SocketIOServer/of(_:)``, the server
/// asks each parent, in creation order, whether it matches the name; the first one that does creates the
/// child namespace (once; later clients join the same child). A static namespace always wins over a
/// matching parent. Middlewares and connection handlers added to the parent — before or after a child
/// exists — apply to every child.
public final class SocketIOParentNamespace: Sendable {
    /// Decides whether a namespace name belongs to this parent; gets the name and the `CONNECT` payload.
    public typealias Matcher = @Sendable (_ name: String, _ auth: JSONValue) -> Bool

    let matcher: Matcher
    let hooks = NIOLockedValueBox(SocketIONamespace.Hooks())
    private let childTable = NIOLockedValueBox([String: SocketIONamespace]())

    init(matcher: @escaping Matcher) {
        self.matcher = matcher
    }

    /// Adds a middleware run for sockets of every child namespace, in the order added.
    public func use(_ middleware: @escaping SocketIONamespace.Middleware) {
        hooks.withLockedValue { $0.middlewares.append(middleware) }
    }

    /// Adds a handler for new sockets of every child namespace (`socket.namespace` tells which).
    public func onConnection(_ handler: @escaping SocketIONamespace.ConnectionHandler) {
        hooks.withLockedValue { $0.connectionHandlers.append(handler) }
    }

    /// The child namespaces that exist now, by name.
    public var children: [SocketIONamespace] {
        childTable.withLockedValue { $0.values.sorted { $0.name < $1.name } }
    }

    /// Sends `event` to every socket of every child namespace.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        for child in children { child.emit(event, arguments: arguments) }
    }

    func addChild(_ child: SocketIONamespace) {
        childTable.withLockedValue { $0[child.name] = child }
    }

    func removeChild(_ child: SocketIONamespace) {
        childTable.withLockedValue { table in
            if table[child.name] === child { table[child.name] = nil }
        }
    }
}

/// The handlers of server-side events of one namespace (shared by the namespace and its adapter context).
final class ServerSideHandlers: Sendable {
    private let handlers = NIOLockedValueBox([SocketIONamespace.ServerSideEventHandler]())

    func add(_ handler: @escaping SocketIONamespace.ServerSideEventHandler) {
        handlers.withLockedValue { $0.append(handler) }
    }

    func dispatch(_ event: String, arguments: [JSONValue], ack: (@Sendable ([JSONValue]) -> Void)?) {
        for handler in handlers.withLockedValue({ $0 }) { handler(event, arguments, ack) }
    }
}
