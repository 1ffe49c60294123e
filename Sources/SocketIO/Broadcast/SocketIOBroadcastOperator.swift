import SwitchboardJSON

/// A selection of sockets of one namespace to send to: chain ``to(_:)`` / ``except(_:)``, then ``emit(_:_:)``.
///
/// The packet is encoded once, whatever the number of recipients.
public struct SocketIOBroadcastOperator: Sendable {
    /// The namespace.
    public let namespace: SocketIONamespace
    /// The selection.
    public let options: SocketIOBroadcastOptions

    /// Creates an operator.
    public init(namespace: SocketIONamespace, options: SocketIOBroadcastOptions) {
        self.namespace = namespace
        self.options = options
    }

    /// Adds `room` to the rooms whose members receive the packet.
    public func to(_ room: String) -> SocketIOBroadcastOperator {
        var options = options
        options.rooms.insert(room)
        return SocketIOBroadcastOperator(namespace: namespace, options: options)
    }

    /// Adds every room in `rooms`.
    public func to(_ rooms: some Sequence<String>) -> SocketIOBroadcastOperator {
        var options = options
        options.rooms.formUnion(rooms)
        return SocketIOBroadcastOperator(namespace: namespace, options: options)
    }

    /// Same as ``to(_:)``.
    public func `in`(_ room: String) -> SocketIOBroadcastOperator { to(room) }

    /// Excludes the members of `room`.
    public func except(_ room: String) -> SocketIOBroadcastOperator {
        var options = options
        options.except.insert(room)
        return SocketIOBroadcastOperator(namespace: namespace, options: options)
    }

    /// Only sockets of this process.
    public var local: SocketIOBroadcastOperator {
        var options = options
        options.flags.local = true
        return SocketIOBroadcastOperator(namespace: namespace, options: options)
    }

    /// Allows the packet to be dropped for recipients that are not ready.
    public var volatile: SocketIOBroadcastOperator {
        var options = options
        options.flags.volatile = true
        return SocketIOBroadcastOperator(namespace: namespace, options: options)
    }

    /// Sets whether the transport may compress the packet (carried in ``SocketIOBroadcastOptions/Flags/compress``).
    public func compress(_ compress: Bool) -> SocketIOBroadcastOperator {
        var options = options
        options.flags.compress = compress
        return SocketIOBroadcastOperator(namespace: namespace, options: options)
    }

    /// Sends `event` with `arguments` to the selected sockets.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        emit(event, arguments: arguments)
    }

    /// Sends `event` with `arguments` to the selected sockets.
    ///
    /// Reserved event names (`connect`, `disconnect`, ...) are not sent: clients would drop the connection.
    public func emit(_ event: String, arguments: [JSONValue]) {
        guard !SocketIOPacketDecoder.reservedEventNames.contains(event) else { return }
        let arguments = options.flags.volatile
            ? arguments : namespace.stampForRecovery(event, arguments: arguments, options: options)
        namespace.adapter.broadcast(.event(event, arguments: arguments, namespace: namespace.name), options: options)
    }

    /// The ids of the selected local sockets.
    public var socketIDs: Set<String> {
        var selected = namespace.adapter.sockets(in: options.rooms)
        if !options.except.isEmpty { selected.subtract(namespace.adapter.sockets(in: options.except)) }
        return selected
    }

    /// The selected local sockets.
    public var sockets: [SocketIOSocket] { namespace.directory.sockets(socketIDs) }

    /// Makes the selected sockets (on every server, through the adapter) join `room`.
    public func socketsJoin(_ room: String) {
        namespace.adapter.addSockets(options, rooms: [room])
    }

    /// Makes the selected sockets (on every server, through the adapter) leave `room`.
    public func socketsLeave(_ room: String) {
        namespace.adapter.delSockets(options, rooms: [room])
    }

    /// Disconnects the selected sockets on every server (closing their connections when `close` is true).
    public func disconnectSockets(close: Bool = false) {
        namespace.adapter.disconnectSockets(options, close: close)
    }

    /// The selected sockets on every server, as handles that can emit, join, leave and disconnect.
    public func fetchSockets() async -> [SocketIORemoteSocket] {
        await namespace.adapter.fetchSockets(options)
    }
}
