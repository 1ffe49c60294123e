import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SocketIO
import SwitchboardJSON

/// A Socket.IO client for one namespace, multiplexed with the manager's other namespaces over one
/// Engine.IO connection.
///
/// Events for every state reach the ``on(_:_:)`` handlers: `connect` (`[]`), `disconnect` (`[reason]`),
/// `connect_error` (`[{"message":…,"data":…}]`) and the manager's `reconnect_attempt`, `reconnect`,
/// `reconnect_error`, `reconnect_failed`. Handlers run on the manager's event loop.
///
/// All mutable state is confined to the manager's event loop: public methods hop there.
public final class SocketIOClient: @unchecked Sendable {
    /// The manager that carries this socket.
    public let manager: SocketIOClientManager
    /// The namespace, e.g. `/` or `/chat`.
    public let namespace: String
    private var state: NamespaceSocketStateMachine
    private var handlers: [String: [SocketIOEventHandler]] = [:]
    private var anyHandlers: [SocketIOAnyEventHandler] = []
    private var ackCallbacks: [Int: @Sendable (Result<[JSONValue], SocketIOClientError>) -> Void] = [:]
    private var deadlineTimer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var connectWaiters: [CheckedContinuation<Result<Void, SocketIOClientError>, Never>] = []
    /// What the public properties report, readable from any thread; refreshed after every state change.
    private let snapshot = NIOLockedValueBox(Snapshot())

    private struct Snapshot: Sendable {
        var connected = false
        var id: String?
        var recovered = false
    }
    private var eventLoop: EventLoop { manager.eventLoop }

    /// Managers shared by sockets created with ``init(url:options:)`` (one per host, port and path).
    private static let sharedManagers = NIOLockedValueBox<[String: SocketIOClientManager]>([:])

    /// The socket for the namespace in `url`'s path (e.g. `http://localhost:3000/admin`), on the shared
    /// manager for that server unless ``SocketIOClientOptions/forceNew`` is set. Call ``connect()`` next.
    ///
    /// - Throws: ``SocketIOClientError/Code/invalidURL`` when `url` is not `http(s)://` or `ws(s)://`
    ///   (`https`/`wss` need ``SocketIOClientOptions/tls``).
    public static func socket(
        url: String, options: SocketIOClientOptions = SocketIOClientOptions()
    ) throws(SocketIOClientError) -> SocketIOClient {
        let endpoint = try ClientEndpoint.parse(url: url, options: options)
        let manager: SocketIOClientManager
        if options.forceNew {
            manager = try SocketIOClientManager(url: url, options: options)
        } else {
            let candidate = try SocketIOClientManager(url: url, options: options)
            manager = sharedManagers.withLockedValue { managers in
                if let existing = managers[endpoint.connectionKey] { return existing }
                managers[endpoint.connectionKey] = candidate
                return candidate
            }
        }
        return manager.socket(endpoint.namespace, auth: options.auth)
    }

    init(manager: SocketIOClientManager, namespace: String, auth: JSONObject?) {
        self.manager = manager
        self.namespace = namespace
        self.state = NamespaceSocketStateMachine(
            namespace: namespace, auth: auth, retries: manager.options.retries,
            ackTimeout: manager.options.ackTimeout?.timeAmount
        )
    }

    // MARK: Public API

    /// Connects (or reconnects after ``disconnect()``); `connect` or `connect_error` follows.
    public func connect() {
        let socket = self
        socket.eventLoop.execute {
            socket.manager.socketWantsConnection()
            socket.run(socket.state.open(engineOpen: socket.manager.isEngineOpen))
        }
    }

    /// Connects and waits for the outcome: returns on `connect`, throws on the first `connect_error`
    /// (``SocketIOClientError/Code/connectError`` with the server's `data`, ``SocketIOClientError/Code/connectTimeout``,
    /// or ``SocketIOClientError/Code/transportError``). Returns at once when already connected.
    public func connectAndWait() async throws(SocketIOClientError) {
        let socket = self
        let result: Result<Void, SocketIOClientError> = await withCheckedContinuation { continuation in
            socket.eventLoop.execute {
                if socket.state.isConnected {
                    continuation.resume(returning: .success(()))
                    return
                }
                socket.connectWaiters.append(continuation)
                socket.manager.socketWantsConnection()
                socket.run(socket.state.open(engineOpen: socket.manager.isEngineOpen))
            }
        }
        try result.get()
    }

    /// Disconnects from the namespace (`disconnect` with `io client disconnect` follows when connected);
    /// no automatic reconnection.
    public func disconnect() {
        let socket = self
        socket.eventLoop.execute {
            socket.run(socket.state.close())
            socket.manager.socketClosed()
        }
    }

    /// Adds a handler for `event` (a server event or a lifecycle event).
    public func on(_ event: String, _ handler: @escaping SocketIOEventHandler) {
        let socket = self
        socket.eventLoop.execute { socket.handlers[event, default: []].append(handler) }
    }

    /// Adds a handler for every server event.
    public func onAny(_ handler: @escaping SocketIOAnyEventHandler) {
        let socket = self
        socket.eventLoop.execute { socket.anyHandlers.append(handler) }
    }

    /// Removes every ``onAny(_:)`` handler.
    public func offAny() {
        let socket = self
        socket.eventLoop.execute { socket.anyHandlers = [] }
    }

    /// Replaces the `auth` payload sent with the next `CONNECT` (e.g. a fresh token before reconnecting).
    public func setAuth(_ auth: JSONObject?) {
        let socket = self
        socket.eventLoop.execute { socket.state.auth = auth }
    }

    /// Removes every handler of `event`.
    public func off(_ event: String) {
        let socket = self
        socket.eventLoop.execute { socket.handlers[event] = nil }
    }

    /// Emits `event` with `arguments` (buffered while disconnected, sent in order after connecting).
    public func emit(_ event: String, _ arguments: JSONValue...) {
        emit(event, arguments: arguments, options: .init(), ack: nil)
    }

    /// Emits `event` with `arguments`.
    public func emit(_ event: String, arguments: [JSONValue]) {
        emit(event, arguments: arguments, options: .init(), ack: nil)
    }

    /// Emits `event` and calls `ack` with the server's answer (or a failure: timeout, disconnection).
    public func emit(
        _ event: String, _ arguments: JSONValue...,
        ack: @escaping @Sendable (Result<[JSONValue], SocketIOClientError>) -> Void
    ) {
        emit(event, arguments: arguments, options: .init(wantsAck: true), ack: ack)
    }

    /// Emits `event` and waits for the server's acknowledgement.
    public func emitWithAck(_ event: String, _ arguments: JSONValue...) async throws(SocketIOClientError) -> [JSONValue] {
        try await SocketIOClientEmitter(socket: self, options: .init()).emitWithAck(event, arguments: arguments)
    }

    /// An emitter whose acknowledgements fail with ``SocketIOClientError/Code/ackTimeout`` after `duration`.
    public func timeout(_ duration: Duration) -> SocketIOClientEmitter {
        SocketIOClientEmitter(socket: self, options: .init(timeout: duration.timeAmount))
    }

    /// An emitter that drops emits unless connected right now.
    public var volatile: SocketIOClientEmitter {
        SocketIOClientEmitter(socket: self, options: .init(isVolatile: true))
    }

    /// Whether the namespace is connected.
    public var connected: Bool {
        snapshot.withLockedValue { $0.connected }
    }

    /// The socket id while connected.
    public var id: String? {
        snapshot.withLockedValue { $0.id }
    }

    /// Whether the last connection recovered the previous session (connection state recovery).
    public var recovered: Bool {
        snapshot.withLockedValue { $0.recovered }
    }

    // MARK: Internal

    /// Event names with a meaning of their own, which the application may not emit.
    static let reservedEvents: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    /// Whether the application wants this namespace connected.
    var isActive: Bool {
        if case .idle = state.state { return false }
        return true
    }

    func emit(
        _ event: String, arguments: [JSONValue], options: NamespaceSocketStateMachine.EmitOptions,
        ack: (@Sendable (Result<[JSONValue], SocketIOClientError>) -> Void)?
    ) {
        let socket = self
        guard !Self.reservedEvents.contains(event) else {
            // The JavaScript client throws here; this API cannot, so the emit is refused and reported.
            manager.logger.warning("refused to emit a reserved event name", metadata: ["socket.event": "\(event)"])
            ack?(.failure(SocketIOClientError(code: .reservedEventName, message: "'\(event)' is a reserved event name")))
            return
        }
        socket.eventLoop.execute {
            let (id, actions) = socket.state.emit(event, arguments: arguments, options: options, now: .now())
            if let id, let ack { socket.ackCallbacks[id] = ack }
            socket.run(actions)
        }
    }

    func sendAck(id: Int, arguments: [JSONValue]) {
        let socket = self
        socket.eventLoop.execute {
            guard socket.state.isConnected else { return }
            socket.manager.send(SocketIOPacket(type: .ack, namespace: socket.namespace, ackID: id, data: .array(arguments)))
        }
    }

    func engineOpened() {
        run(state.engineOpened())
    }

    func engineClosed(reason: String) {
        run(state.engineClosed(reason: reason))
    }

    func engineFailedToOpen(reason: String) {
        guard isActive else { return }
        // The JavaScript client's messages: the transport that failed, or the connect timeout.
        let message: String
        if reason == "timeout" {
            message = "timeout"
        } else if manager.options.transports.first == .polling {
            message = "xhr poll error"
        } else {
            message = "websocket error"
        }
        dispatch("connect_error", [["message": .string(message)]])
        resumeConnectWaiters(.failure(SocketIOClientError(
            code: reason == "timeout" ? .connectTimeout : .transportError, message: message
        )))
        run(state.engineClosed(reason: reason))
    }

    func received(_ packet: SocketIOPacket) {
        run(state.received(packet, now: .now()))
    }

    func reportManagerEvent(_ event: String, _ arguments: [JSONValue]) {
        dispatch(event, arguments)
    }

    private func run(_ actions: [NamespaceSocketStateMachine.Action]) {
        let current = Snapshot(connected: state.isConnected, id: state.sid, recovered: state.recovered)
        snapshot.withLockedValue { $0 = current }
        for action in actions {
            switch action {
            case .send(let packet):
                manager.send(packet)
            case .reportConnect:
                dispatch("connect", [])
                resumeConnectWaiters(.success(()))
            case .reportConnectError(let payload):
                dispatch("connect_error", [payload])
                resumeConnectWaiters(.failure(SocketIOClientError(
                    code: .connectError, message: payload["message"]?.stringValue ?? "connection refused",
                    data: payload["data"]
                )))
                // Refused: the socket gives up; the manager closes once no socket wants the connection.
                manager.socketClosed()
            case .reportDisconnect(let reason):
                dispatch("disconnect", [.string(reason)])
                if !isActive { manager.socketClosed() }
            case .deliverEvent(let name, let arguments, let ackID):
                let responder = ackID.map { SocketIOAckResponder(socket: self, ackID: $0) }
                for handler in anyHandlers { handler(name, arguments, responder) }
                for handler in handlers[name] ?? [] { handler(arguments, responder) }
            case .resolveAck(let id, let arguments):
                ackCallbacks.removeValue(forKey: id)?(.success(arguments))
            case .failAck(let id, let reason):
                let error: SocketIOClientError
                switch reason {
                case .timedOut: error = SocketIOClientError(code: .ackTimeout, message: reason.rawValue)
                case .disconnected: error = SocketIOClientError(code: .disconnected, message: reason.rawValue)
                }
                ackCallbacks.removeValue(forKey: id)?(.failure(error))
            }
        }
        armDeadlineTimer()
    }

    private func resumeConnectWaiters(_ result: Result<Void, SocketIOClientError>) {
        let waiters = connectWaiters
        connectWaiters = []
        for waiter in waiters { waiter.resume(returning: result) }
    }

    private func dispatch(_ event: String, _ arguments: [JSONValue]) {
        for handler in handlers[event] ?? [] { handler(arguments, nil) }
    }

    /// Keeps one timer at the earliest acknowledgement deadline (re-armed only when it moves).
    private func armDeadlineTimer() {
        let deadline = state.nextDeadline
        guard deadline != timerDeadline else { return }
        deadlineTimer?.cancel()
        deadlineTimer = nil
        timerDeadline = deadline
        guard let deadline else { return }
        deadlineTimer = eventLoop.scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.deadlineTimer = nil
            self.timerDeadline = nil
            self.run(self.state.checkDeadlines(now: .now()))
        }
    }
}
