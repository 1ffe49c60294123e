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
/// `@unchecked Sendable`: the mutable `loopState` and `restoredSession` are only read and written on
/// `eventLoop` (`restoredSession` is set in `init`, before the socket is shared, and consumed by `open`): public
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
    /// Sees every event the server sends to this client: the socket, the event name and the arguments.
    public typealias OutgoingEventHandler = @Sendable (SocketIOSocket, String, [JSONValue]) -> Void
    /// Inspects an inbound event before it is dispatched: call `next(nil)` to let it through, or
    /// `next(error)` to drop it and report `error` to the ``onError(_:)`` handlers. `next` may be called
    /// later and from any thread.
    public typealias PacketMiddleware = @Sendable (SocketIOEventPacket, @escaping @Sendable ((any Error)?) -> Void) -> Void
    /// Receives errors of this socket (a packet middleware refused a packet, an event was rate-limited, a
    /// typed payload did not decode).
    public typealias ErrorHandler = @Sendable (SocketIOSocket, any Error) -> Void

    enum Phase { case connecting, connected, disconnected }

    struct LoopState {
        var phase: Phase = .connecting
        /// Next to `phase`: both are read for every broadcast delivery.
        var outgoingHandlers: [(id: SocketIOListenerID, handler: OutgoingEventHandler)] = []
        var handlers = SmallStringMap<StoredEventHandler>()
        var anyHandlers: [(id: SocketIOListenerID, handler: AnyEventHandler)] = []
        var packetMiddlewares: [PacketMiddleware] = []
        var errorHandlers: [ErrorHandler] = []
        var rateLimiter: TokenBucket?
        var disconnectingHandlers: [DisconnectHandler] = []
        var disconnectHandlers: [DisconnectHandler] = []
        var pendingAcks: [Int: PendingAck] = [:]
    }

    /// An event handler as stored: a struct around the closure, so that keeping it in a generic container does
    /// not re-abstract the closure (which allocates a thunk context per handler: 32 bytes each, per socket).
    struct StoredEventHandler {
        let call: EventHandler
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
        var nextListenerID = 0
    }

    // The fields a broadcast delivery reads come first (`eventLoop`, `engineConnection`, `loopState`'s phase and
    // outgoing handlers): a fan-out touches each socket once per broadcast, and they then share a cache line.
    /// The event loop the socket lives on (kept here: broadcasts read it for every recipient).
    public let eventLoop: any EventLoop
    /// The underlying Engine.IO connection.
    public let engineConnection: any EngineConnection
    private var loopState = LoopState()
    /// The socket id: 20 random URL-safe characters, also the name of the socket's own room.
    public let id: String
    /// The namespace the socket belongs to.
    public let namespace: SocketIONamespace
    /// What the client sent when connecting.
    public let handshake: SocketIOHandshake
    /// Logger with `engine.sid`, `socket.id` and `socket.nsp` metadata (built on use: an idle socket keeps no
    /// metadata dictionary).
    public var logger: Logger {
        var logger = client.logger
        logger[metadataKey: "socket.id"] = "\(id)"
        logger[metadataKey: "socket.nsp"] = "\(namespace.name)"
        return logger
    }

    /// Whether this socket took over a disconnected session (connection state recovery): same id, rooms
    /// and ``data``, missed events replayed.
    public let recovered: Bool
    /// The private session id sent in the `CONNECT` reply (only with connection state recovery).
    let pid: String?
    /// The session this socket recovers, consumed by ``open()``.
    private var restoredSession: SocketIORecoveredSession?
    let client: SocketIOClientConnection
    private let shared = NIOLockedValueBox(SharedState())

    init(
        id: String, namespace: SocketIONamespace, client: SocketIOClientConnection, handshake: SocketIOHandshake,
        restoring session: SocketIORecoveredSession? = nil
    ) {
        let id = session?.session.sid ?? id
        self.id = id
        self.recovered = session != nil
        self.restoredSession = session
        self.pid = namespace.recovery == nil ? nil : (session?.session.pid ?? SocketIDGenerator.next())
        self.namespace = namespace
        self.client = client
        self.eventLoop = client.connection.eventLoop
        self.engineConnection = client.connection
        self.handshake = handshake
        if let session { shared.withLockedValue { $0.data = session.session.data } }
        if let limit = client.server.configuration.eventRateLimit {
            loopState.rateLimiter = TokenBucket(capacity: limit.burst, refillPerSecond: limit.eventsPerSecond)
        }
    }

    /// Whether the socket is connected to its namespace.
    public var isConnected: Bool { shared.withLockedValue { $0.isConnected } }

    /// Application storage attached to the socket.
    public var data: JSONValue {
        get { shared.withLockedValue { $0.data } }
        set {
            let changed = shared.withLockedValue { shared in
                defer { shared.data = newValue }
                return shared.data != newValue
            }
            if changed { sessionChanged() }
        }
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
        runOnLoop { $0.loopState.handlers[event] = StoredEventHandler(call: handler) }
    }

    /// Removes the handler of `event`.
    public func off(_ event: String) {
        runOnLoop { $0.loopState.handlers[event] = nil }
    }

    /// Registers a handler that sees every inbound event (after the earlier catch-all handlers, before the
    /// event's own handler). Returns an id for ``offAny(_:)``.
    @discardableResult
    public func onAny(_ handler: @escaping AnyEventHandler) -> SocketIOListenerID {
        let id = nextListenerID()
        runOnLoop { $0.loopState.anyHandlers.append((id, handler)) }
        return id
    }

    /// Registers a catch-all handler that runs before the ones already registered.
    @discardableResult
    public func prependAny(_ handler: @escaping AnyEventHandler) -> SocketIOListenerID {
        let id = nextListenerID()
        runOnLoop { $0.loopState.anyHandlers.insert((id, handler), at: 0) }
        return id
    }

    /// Removes the catch-all handler `id`, or every catch-all handler when `id` is `nil`.
    public func offAny(_ id: SocketIOListenerID? = nil) {
        runOnLoop { socket in
            if let id {
                socket.loopState.anyHandlers.removeAll { $0.id == id }
            } else {
                socket.loopState.anyHandlers.removeAll()
            }
        }
    }

    /// Registers a handler that sees every event sent to this client (emits and broadcasts), just before
    /// it is handed to the transport. Returns an id for ``offAnyOutgoing(_:)``.
    @discardableResult
    public func onAnyOutgoing(_ handler: @escaping OutgoingEventHandler) -> SocketIOListenerID {
        let id = nextListenerID()
        runOnLoop { $0.loopState.outgoingHandlers.append((id, handler)) }
        return id
    }

    /// Registers an outgoing catch-all handler that runs before the ones already registered.
    @discardableResult
    public func prependAnyOutgoing(_ handler: @escaping OutgoingEventHandler) -> SocketIOListenerID {
        let id = nextListenerID()
        runOnLoop { $0.loopState.outgoingHandlers.insert((id, handler), at: 0) }
        return id
    }

    /// Removes the outgoing catch-all handler `id`, or all of them when `id` is `nil`.
    public func offAnyOutgoing(_ id: SocketIOListenerID? = nil) {
        runOnLoop { socket in
            if let id {
                socket.loopState.outgoingHandlers.removeAll { $0.id == id }
            } else {
                socket.loopState.outgoingHandlers.removeAll()
            }
        }
    }

    /// Adds a per-packet middleware; middlewares run in the order added, for every inbound event, before
    /// any handler. A refused packet is not dispatched; the error goes to the ``onError(_:)`` handlers
    /// (socket.io's server-side `error` event), which may for instance disconnect the socket.
    ///
    /// ```swift
    /// socket.use { packet, next in
    ///     next(packet.event == "admin" ? AccessDenied() : nil)
    /// }
    /// ```
    public func use(_ middleware: @escaping PacketMiddleware) {
        runOnLoop { $0.loopState.packetMiddlewares.append(middleware) }
    }

    /// Registers a handler for this socket's errors (refused packets, rate limits, undecodable typed
    /// payloads). Errors without a handler are logged.
    public func onError(_ handler: @escaping ErrorHandler) {
        runOnLoop { $0.loopState.errorHandlers.append(handler) }
    }

    private func nextListenerID() -> SocketIOListenerID {
        shared.withLockedValue { state in
            defer { state.nextListenerID += 1 }
            return SocketIOListenerID(value: state.nextListenerID)
        }
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
        sessionChanged()
    }

    /// Leaves `room`.
    public func leave(_ room: String) {
        namespace.adapter.del(id, room: room)
        sessionChanged()
    }

    /// Hands the connected socket's state to the session store (connection state recovery), so a shared
    /// store can let another server recover it if this one dies. Called on connect and when rooms or
    /// `data` change, never per packet.
    private func sessionChanged() {
        guard let recovery = namespace.recovery, let pid, isConnected else { return }
        recovery.store.sessionChanged(SocketIOSession(namespace: namespace.name, sid: id, pid: pid, rooms: rooms, data: data))
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
        client.server.loopHops.run(on: eventLoop) { body(self) }
    }

    /// Marks the socket connected, joins its own room, registers it and sends the `CONNECT` reply. On loop.
    func open() {
        eventLoop.assertInEventLoop()
        loopState.phase = .connected
        shared.withLockedValue { $0.isConnected = true }
        var rooms: Set<String> = [id]
        if let session = restoredSession { rooms.formUnion(session.session.rooms) }
        namespace.adapter.addAll(id, rooms: rooms)
        sessionChanged()
        namespace.directory.insert(self)
        client.server.metrics.connected(namespace: namespace.name).increment()
        if let session = restoredSession {
            restoredSession = nil
            // As socket.io: the missed events go first; the client buffers them until the CONNECT reply.
            for packet in session.missedPackets {
                client.send(SocketIOPacket(type: .event, namespace: namespace.name, data: .array(packet)))
            }
        }
        var reply: JSONObject = ["sid": .string(id)]
        if let pid { reply["pid"] = .string(pid) }
        client.send(SocketIOPacket(type: .connect, namespace: namespace.name, data: .object(reply)))
    }

    /// Ends the socket (reason `transport close`, as if its connection had dropped) because its client
    /// recovered the session on a new connection to this server, then calls `completion` (on this
    /// socket's loop).
    func closeReplaced(then completion: @escaping @Sendable () -> Void) {
        runOnLoop { socket in
            if socket.loopState.phase == .connected {
                socket.client.logger.debug("socket replaced by its recovered session", metadata: ["socket.id": "\(socket.id)"])
                socket.close(reason: .transportClose)
            }
            completion()
        }
    }

    /// Ends the socket. On loop.
    func close(reason: SocketIODisconnectReason) {
        eventLoop.assertInEventLoop()
        shared.withLockedValue { $0.isClosed = true }
        guard loopState.phase == .connected else {
            loopState.phase = .disconnected
            if let session = restoredSession, let recovery = namespace.recovery {
                // Taken from the store but never connected (the client left, or a middleware refused):
                // put it back so a later attempt can still recover it.
                restoredSession = nil
                recovery.store.saveSession(session.session)
            }
            return
        }
        for handler in loopState.disconnectingHandlers { handler(self, reason) }
        if let recovery = namespace.recovery, let pid, reason.isRecoverable {
            recovery.store.saveSession(SocketIOSession(
                namespace: namespace.name, sid: id, pid: pid, rooms: rooms, data: data
            ))
        } else if let recovery = namespace.recovery, let pid {
            recovery.store.sessionEnded(namespace: namespace.name, pid: pid)
        }
        namespace.adapter.delAll(id)
        namespace.directory.remove(id)
        client.server.metrics.connected(namespace: namespace.name).decrement()
        client.remove(self)
        client.server.socketLeft(namespace)
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
        // Checked first: the `logger` getter builds a metadata dictionary even when debug is off.
        if client.server.logger.logLevel <= .debug {
            logger.debug("socket disconnected", metadata: ["socket.reason": "\(reason)"])
        }
    }

    /// Handles a decoded packet addressed to this socket's namespace. On loop.
    func handle(_ packet: SocketIOPacket) {
        eventLoop.assertInEventLoop()
        guard loopState.phase == .connected else { return }
        switch packet.type {
        case .event, .binaryEvent:
            guard case .array(var elements)? = packet.data, case .string(let event)? = elements.first else { return }
            elements.removeFirst()
            let inbound = SocketIOEventPacket(event: event, arguments: elements, ackID: packet.ackID)
            if loopState.rateLimiter != nil, !admitByRateLimit(inbound) { return }
            if loopState.packetMiddlewares.isEmpty {
                dispatch(inbound)
            } else {
                runPacketMiddlewares(loopState.packetMiddlewares[...], packet: inbound)
            }
        case .ack, .binaryAck:
            client.server.metrics.acksReceived.increment()
            guard let ackID = packet.ackID, let pending = loopState.pendingAcks.removeValue(forKey: ackID) else { return }
            pending.timeout?.cancel()
            pending.callback(.success(packet.data?.arrayValue ?? []))
        case .disconnect:
            close(reason: .clientNamespaceDisconnect)
        case .connect, .connectError:
            break
        }
    }

    /// Runs the per-packet middlewares, then dispatches the packet (or reports the refusal). On loop.
    private func runPacketMiddlewares(_ middlewares: ArraySlice<PacketMiddleware>, packet: SocketIOEventPacket) {
        guard let middleware = middlewares.first else {
            dispatch(packet)
            return
        }
        let rest = middlewares.dropFirst()
        let once = OnceFlag()
        middleware(packet) { [self] error in
            guard once.setIfUnset() else { return }
            runOnLoop { socket in
                guard socket.loopState.phase == .connected else { return }
                if let error {
                    socket.reportError(error)
                } else {
                    socket.runPacketMiddlewares(rest, packet: packet)
                }
            }
        }
    }

    /// Takes a token for an inbound event; on refusal carries out the configured reaction. On loop.
    private func admitByRateLimit(_ packet: SocketIOEventPacket) -> Bool {
        guard let limit = client.server.configuration.eventRateLimit,
            loopState.rateLimiter?.take(now: eventLoop.now) == false
        else { return true }
        client.server.metrics.rateLimited()
        let error = SocketIORateLimitError(event: packet.event)
        switch limit.reaction.base {
        case .dropWithError:
            logger.debug("event dropped by the rate limit", metadata: ["socket.event": "\(packet.event)"])
            emitOnLoop(
                "error", arguments: [["message": "rate limit exceeded", "event": .string(packet.event)]],
                timeout: nil, ack: nil
            )
            reportError(error)
        case .disconnect:
            logger.debug("rate limit exceeded; disconnecting", metadata: ["socket.event": "\(packet.event)"])
            reportError(error)
            guard loopState.phase == .connected else { return false }
            client.send(SocketIOPacket(type: .disconnect, namespace: namespace.name))
            close(reason: .serverNamespaceDisconnect)
        }
        return false
    }

    /// Hands an inbound event to the catch-all handlers, then to its own handler. On loop.
    private func dispatch(_ packet: SocketIOEventPacket) {
        let ack = packet.ackID.map { SocketIOAcknowledgement(socket: self, id: $0) }
        for (_, handler) in loopState.anyHandlers { handler(self, packet.event, packet.arguments, ack) }
        loopState.handlers[packet.event]?.call(self, packet.arguments, ack)
    }

    /// Gives `error` to the error handlers (or logs it when there are none). On loop.
    func reportError(_ error: any Error) {
        eventLoop.assertInEventLoop()
        guard !loopState.errorHandlers.isEmpty else {
            logger.debug("socket error without handler", metadata: ["socket.error": "\(error)"])
            return
        }
        for handler in loopState.errorHandlers { handler(self, error) }
    }

    /// Tells the outgoing catch-all handlers about an event about to be sent. On loop.
    func notifyOutgoing(_ packet: SocketIOPacket) {
        guard !loopState.outgoingHandlers.isEmpty,
            case .array(var elements)? = packet.data, case .string(let event)? = elements.first
        else { return }
        elements.removeFirst()
        for (_, handler) in loopState.outgoingHandlers { handler(self, event, elements) }
    }

    /// Sends pre-encoded messages if the socket is still connected, registering the broadcast's
    /// acknowledgement first when there is one; returns whether it sent them. On loop.
    ///
    /// It does not count the packet in the `packets_sent` metric: the caller counts a batch of deliveries once.
    func deliverOnLoop(
        _ messages: [OutboundEngineMessage], ack: (id: Int, callback: @Sendable ([JSONValue]) -> Void)? = nil,
        packet: SocketIOPacket? = nil, volatile: Bool = false
    ) -> Bool {
        eventLoop.assertInEventLoop()
        guard loopState.phase == .connected else { return false }
        if volatile && !engineConnection.isWritable {
            client.server.metrics.volatileDropped(namespace: namespace.name)
            return false
        }
        if let packet { notifyOutgoing(packet) }
        if let ack {
            let callback = ack.callback
            loopState.pendingAcks[ack.id] = PendingAck(callback: { result in
                // A socket that leaves without answering simply does not count (the broadcast times out).
                if case .success(let arguments) = result { callback(arguments) }
            }, timeout: nil)
        }
        engineConnection.send(messages)
        return true
    }

    /// Forgets the acknowledgement `id` (a broadcast gave up waiting). On loop.
    func forgetAckOnLoop(id: Int) {
        eventLoop.assertInEventLoop()
        loopState.pendingAcks[id] = nil
    }

    /// Sends an event, registering `ack` first when given. On loop.
    func emitOnLoop(
        _ event: String, arguments: [JSONValue], timeout: TimeAmount?, ack: AckCallback?,
        flags: SocketIOBroadcastOptions.Flags = SocketIOBroadcastOptions.Flags()
    ) {
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
        if flags.volatile && !engineConnection.isWritable {
            client.server.metrics.volatileDropped(namespace: namespace.name)
            return
        }
        var arguments = arguments
        if ack == nil && !flags.volatile && namespace.recovery != nil {
            arguments = namespace.stampForRecovery(event, arguments: arguments, options: SocketIOBroadcastOptions(rooms: [id]))
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
        let packet = SocketIOPacket.event(event, arguments: arguments, namespace: namespace.name, ackID: ackID)
        notifyOutgoing(packet)
        client.send(packet, compress: flags.compress)
    }

    /// Sends an acknowledgement. On loop.
    func sendAckOnLoop(id: Int, arguments: [JSONValue]) {
        eventLoop.assertInEventLoop()
        guard loopState.phase == .connected else { return }
        client.server.metrics.acksSent.increment()
        client.send(SocketIOPacket(type: .ack, namespace: namespace.name, ackID: id, data: .array(arguments)))
    }
}
