import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

/// One client's connection to one namespace.
///
/// A socket lives on its Engine.IO connection's event loop: handlers run there, synchronously, in the
/// order packets arrive. Its methods may be called from any thread; calls made off the loop hop to it,
/// so operations from one caller keep their order.
///
/// `@unchecked Sendable`: the mutable `loopState` is only read and written on `eventLoop`: public
/// methods reach it through `runOnLoop`, and the internal `…OnLoop`, `open`, `close` and `handle`
/// methods are only called on the loop (by the client's delegate callbacks, `runOnLoop` or the per-loop
/// broadcast delivery), which they assert in debug builds. State read from other threads (`shared`)
/// sits in a lock.
public final class SocketIOSocket: @unchecked Sendable {
    /// Handles an event: the socket, the arguments after the event name, and the acknowledgement to send
    /// when the client asked for one.
    public typealias EventHandler = @Sendable (SocketIOSocket, [JSONValue], SocketIOAcknowledgement?) -> Void
    /// Handles any event: like ``EventHandler`` with the event name.
    public typealias AnyEventHandler = @Sendable (SocketIOSocket, String, [JSONValue], SocketIOAcknowledgement?) -> Void
    /// Handles the end of the socket.
    public typealias DisconnectHandler = @Sendable (SocketIOSocket, SocketIODisconnectReason) -> Void
    /// Receives an acknowledgement from the client, or why none came.
    public typealias AckCallback = @Sendable (Result<[JSONValue], SocketIOAckError>) -> Void

    enum Phase { case connecting, connected, disconnected }

    struct LoopState {
        var phase: Phase = .connecting
        var handlers: [String: EventHandler] = [:]
        var anyHandlers: [AnyEventHandler] = []
        var disconnectingHandlers: [DisconnectHandler] = []
        var disconnectHandlers: [DisconnectHandler] = []
        var pendingAcks: [Int: PendingAck] = [:]
    }

    struct PendingAck {
        var callback: AckCallback
        var timeout: Scheduled<Void>?
    }

    struct SharedState {
        var isConnected = false
        /// Set when the socket ends (or never connected); it may not join rooms any more.
        var isClosed = false
        var data: JSONValue = .null
        var context: (any Sendable)?
    }

    /// The socket id: 20 random URL-safe characters, also the name of the socket's own room.
    public let id: String
    /// The namespace the socket belongs to.
    public let namespace: SocketIONamespace
    /// What the client sent when connecting.
    public let handshake: SocketIOHandshake
    /// Logger with `socket.id` and `socket.nsp` metadata.
    public let logger: Logger

    /// The event loop the socket lives on (kept here: broadcasts read it for every recipient).
    public let eventLoop: any EventLoop
    /// The underlying Engine.IO connection.
    public let engineConnection: any EngineConnection
    let client: SocketIOClientConnection
    private var loopState = LoopState()
    private let shared = NIOLockedValueBox(SharedState())

    init(id: String, namespace: SocketIONamespace, client: SocketIOClientConnection, handshake: SocketIOHandshake, logger: Logger) {
        self.id = id
        self.namespace = namespace
        self.client = client
        self.eventLoop = client.connection.eventLoop
        self.engineConnection = client.connection
        self.handshake = handshake
        var logger = logger
        logger[metadataKey: "socket.id"] = "\(id)"
        logger[metadataKey: "socket.nsp"] = "\(namespace.name)"
        self.logger = logger
    }

    /// Whether the socket is connected to its namespace.
    public var isConnected: Bool { shared.withLockedValue { $0.isConnected } }

    /// Application storage attached to the socket.
    public var data: JSONValue {
        get { shared.withLockedValue { $0.data } }
        set { shared.withLockedValue { $0.data = newValue } }
    }

    /// Typed application storage attached to the socket (for values that are not JSON).
    public var context: (any Sendable)? {
        get { shared.withLockedValue { $0.context } }
        set { shared.withLockedValue { $0.context = newValue } }
    }

    /// The ``context`` as `type`, if it holds one.
    public func context<Value: Sendable>(as type: Value.Type) -> Value? {
        context as? Value
    }

    // MARK: Handlers

    /// Registers the handler of `event`, replacing any previous one.
    public func on(_ event: String, _ handler: @escaping EventHandler) {
        runOnLoop { $0.loopState.handlers[event] = handler }
    }

    /// Removes the handler of `event`.
    public func off(_ event: String) {
        runOnLoop { $0.loopState.handlers[event] = nil }
    }

    /// Registers a handler that sees every event (before the event's own handler).
    public func onAny(_ handler: @escaping AnyEventHandler) {
        runOnLoop { $0.loopState.anyHandlers.append(handler) }
    }

    /// Registers a handler called when the socket is about to leave (it is still in its rooms).
    public func onDisconnecting(_ handler: @escaping DisconnectHandler) {
        runOnLoop { $0.loopState.disconnectingHandlers.append(handler) }
    }

    /// Registers a handler called once the socket has left its namespace.
    public func onDisconnect(_ handler: @escaping DisconnectHandler) {
        runOnLoop { $0.loopState.disconnectHandlers.append(handler) }
    }

    // MARK: Rooms

    /// Joins `room` (ignored once the socket has disconnected).
    public func join(_ room: String) {
        join(CollectionOfOne(room))
    }

    /// Joins every room in `rooms` (ignored once the socket has disconnected).
    public func join(_ rooms: some Sequence<String>) {
        guard !shared.withLockedValue({ $0.isClosed }) else { return }
        namespace.adapter.addAll(id, rooms: Set(rooms))
    }

    /// Leaves `room`.
    public func leave(_ room: String) {
        namespace.adapter.del(id, room: room)
    }

    /// The rooms the socket is in (its own id room included while connected).
    public var rooms: Set<String> {
        namespace.adapter.socketRooms(id) ?? []
    }

    // MARK: Broadcasting from this socket

    /// Every other socket of the namespace.
    public var broadcast: SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: namespace, options: SocketIOBroadcastOptions(except: [id]))
    }

    /// The sockets in `room`, except this one.
    public func to(_ room: String) -> SocketIOBroadcastOperator {
        broadcast.to(room)
    }

    /// The sockets in `room`, except this one (same as ``to(_:)``).
    public func `in`(_ room: String) -> SocketIOBroadcastOperator {
        broadcast.to(room)
    }

    /// Every other socket of the namespace, except members of `room`.
    public func except(_ room: String) -> SocketIOBroadcastOperator {
        broadcast.except(room)
    }

    // MARK: Disconnection

    /// Leaves the namespace: sends `DISCONNECT` and ends the socket with "server namespace disconnect".
    /// With `close: true` the whole Engine.IO connection is closed (every namespace of the client).
    public func disconnect(close: Bool = false) {
        runOnLoop { socket in
            if close {
                socket.client.disconnectAll(reason: .serverNamespaceDisconnect)
            } else {
                guard socket.loopState.phase == .connected else { return }
                socket.client.send(SocketIOPacket(type: .disconnect, namespace: socket.namespace.name))
                socket.close(reason: .serverNamespaceDisconnect)
            }
        }
    }

    // MARK: Loop-confined internals

    func runOnLoop(_ body: @escaping @Sendable (SocketIOSocket) -> Void) {
        if eventLoop.inEventLoop {
            body(self)
        } else {
            eventLoop.execute { body(self) }
        }
    }

    /// Marks the socket connected, joins its own room, registers it and sends the `CONNECT` reply. On loop.
    func open() {
        eventLoop.assertInEventLoop()
        loopState.phase = .connected
        shared.withLockedValue { $0.isConnected = true }
        namespace.adapter.addAll(id, rooms: [id])
        namespace.directory.insert(self)
        client.send(SocketIOPacket(type: .connect, namespace: namespace.name, data: ["sid": .string(id)]))
    }

    /// Ends the socket. On loop.
    func close(reason: SocketIODisconnectReason) {
        eventLoop.assertInEventLoop()
        shared.withLockedValue { $0.isClosed = true }
        guard loopState.phase == .connected else {
            loopState.phase = .disconnected
            return
        }
        for handler in loopState.disconnectingHandlers { handler(self, reason) }
        namespace.adapter.delAll(id)
        namespace.directory.remove(id)
        client.remove(self)
        loopState.phase = .disconnected
        shared.withLockedValue { $0.isConnected = false }
        let pending = loopState.pendingAcks
        loopState.pendingAcks = [:]
        for (_, ack) in pending.sorted(by: { $0.key < $1.key }) {
            ack.timeout?.cancel()
            ack.callback(.failure(SocketIOAckError(code: .disconnected)))
        }
        let handlers = loopState.disconnectHandlers
        loopState = LoopState(phase: .disconnected)
        for handler in handlers { handler(self, reason) }
        logger.debug("socket disconnected", metadata: ["socket.reason": "\(reason)"])
    }

    /// Handles a decoded packet addressed to this socket's namespace. On loop.
    func handle(_ packet: SocketIOPacket) {
        eventLoop.assertInEventLoop()
        guard loopState.phase == .connected else { return }
        switch packet.type {
        case .event, .binaryEvent:
            guard case .array(var elements)? = packet.data, case .string(let event)? = elements.first else { return }
            elements.removeFirst()
            let ack = packet.ackID.map { SocketIOAcknowledgement(socket: self, id: $0) }
            for handler in loopState.anyHandlers { handler(self, event, elements, ack) }
            loopState.handlers[event]?(self, elements, ack)
        case .ack, .binaryAck:
            guard let ackID = packet.ackID, let pending = loopState.pendingAcks.removeValue(forKey: ackID) else { return }
            pending.timeout?.cancel()
            pending.callback(.success(packet.data?.arrayValue ?? []))
        case .disconnect:
            close(reason: .clientNamespaceDisconnect)
        case .connect, .connectError:
            break
        }
    }

    /// Sends pre-encoded messages if the socket is still connected, registering the broadcast's
    /// acknowledgement first when there is one. On loop.
    func deliverOnLoop(_ messages: [OutboundEngineMessage], ack: (id: Int, callback: @Sendable ([JSONValue]) -> Void)? = nil) {
        eventLoop.assertInEventLoop()
        guard loopState.phase == .connected else { return }
        if let ack {
            let callback = ack.callback
            loopState.pendingAcks[ack.id] = PendingAck(callback: { result in
                // A socket that leaves without answering simply does not count (the broadcast times out).
                if case .success(let arguments) = result { callback(arguments) }
            }, timeout: nil)
        }
        engineConnection.send(messages)
    }

    /// Forgets the acknowledgement `id` (a broadcast gave up waiting). On loop.
    func forgetAckOnLoop(id: Int) {
        eventLoop.assertInEventLoop()
        loopState.pendingAcks[id] = nil
    }

    /// Sends an event, registering `ack` first when given. On loop.
    func emitOnLoop(_ event: String, arguments: [JSONValue], timeout: TimeAmount?, ack: AckCallback?) {
        eventLoop.assertInEventLoop()
        guard !SocketIOPacketDecoder.reservedEventNames.contains(event) else {
            // Clients refuse packets with these names and would drop the connection.
            logger.error("refusing to emit a reserved event name", metadata: ["socket.event": "\(event)"])
            ack?(.failure(SocketIOAckError(code: .reservedEventName)))
            return
        }
        guard loopState.phase == .connected else {
            ack?(.failure(SocketIOAckError(code: .disconnected)))
            return
        }
        var ackID: Int?
        if let ack {
            let id = namespace.directory.nextAckID()
            ackID = id
            var pending = PendingAck(callback: ack, timeout: nil)
            if let timeout {
                pending.timeout = eventLoop.scheduleTask(in: timeout) { [self] in
                    guard let expired = loopState.pendingAcks.removeValue(forKey: id) else { return }
                    expired.callback(.failure(SocketIOAckError(code: .timeout)))
                }
            }
            loopState.pendingAcks[id] = pending
        }
        client.send(.event(event, arguments: arguments, namespace: namespace.name, ackID: ackID))
    }

    /// Sends an acknowledgement. On loop.
    func sendAckOnLoop(id: Int, arguments: [JSONValue]) {
        eventLoop.assertInEventLoop()
        guard loopState.phase == .connected else { return }
        client.send(SocketIOPacket(type: .ack, namespace: namespace.name, ackID: id, data: .array(arguments)))
    }
}
