import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SocketIO
import SwitchboardJSON

/// One Engine.IO connection shared by the namespaces (``SocketIOClient``s) of a server, with reconnection.
///
/// Manager events, also forwarded to every socket's handlers: `reconnect_attempt` (`[attempt]`),
/// `reconnect` (`[attempts]`), `reconnect_error` (`[{"message":…}]`), `reconnect_failed` (`[]`).
///
/// All mutable state is confined to `eventLoop`: public methods hop there, and every handler runs there.
public final class SocketIOClientManager: @unchecked Sendable {
    /// The event loop all of this manager's work and callbacks run on.
    public let eventLoop: EventLoop
    /// The options, as given.
    public let options: SocketIOClientOptions
    let endpoint: ClientEndpoint
    let logger: Logger
    private var engine: EngineClient?
    private var engineIsOpen = false
    private var connectTimer: Scheduled<Void>?
    private var reconnectTimer: Scheduled<Void>?
    private var reconnection: ReconnectionStateMachine
    private var random: AnyRandomNumberGenerator
    private var decoder = SocketIOPacketDecoder()
    /// The sockets by namespace; locked because ``socket(_:auth:)`` may be called from any thread.
    private let socketTable = NIOLockedValueBox<[String: SocketIOClient]>([:])
    /// The transport carrying the open connection, readable from any thread.
    private let transportSnapshot = NIOLockedValueBox<EngineTransportKind?>(nil)
    private var sockets: [String: SocketIOClient] { socketTable.withLockedValue { $0 } }
    private var handlers: [String: [SocketIOEventHandler]] = [:]

    /// Creates a manager for the server at `url` (`http://host:port`, or `https://` with
    /// ``SocketIOClientOptions/tls``; a path there is ignored).
    ///
    /// - Throws: ``SocketIOClientError/Code/invalidURL`` when `url` is not `http(s)://` or `ws(s)://`.
    public convenience init(
        url: String,
        options: SocketIOClientOptions = SocketIOClientOptions(),
        eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "switchboard.client")
    ) throws(SocketIOClientError) {
        let endpoint = try ClientEndpoint.parse(url: url, options: options)
        self.init(
            endpoint: endpoint, options: options, eventLoop: eventLoopGroup.next(), logger: logger,
            random: SystemRandomNumberGenerator()
        )
    }

    init(
        endpoint: ClientEndpoint, options: SocketIOClientOptions, eventLoop: EventLoop, logger: Logger,
        random: any RandomNumberGenerator
    ) {
        self.endpoint = endpoint
        self.options = options
        self.eventLoop = eventLoop
        self.logger = logger
        self.random = AnyRandomNumberGenerator(base: random)
        self.reconnection = ReconnectionStateMachine(
            reconnectionEnabled: options.reconnection,
            maximumAttempts: options.reconnectionAttempts,
            backoff: ReconnectionBackoff(
                delayMilliseconds: options.reconnectionDelay.wholeMilliseconds,
                maximumDelayMilliseconds: options.reconnectionDelayMax.wholeMilliseconds,
                randomizationFactor: options.randomizationFactor
            )
        )
    }

    /// The socket for `namespace` (created once, then returned again); `auth` overrides the options' auth.
    public func socket(_ namespace: String = "/", auth: JSONObject? = nil) -> SocketIOClient {
        let name = namespace.hasPrefix("/") ? namespace : "/" + namespace
        return socketTable.withLockedValue { sockets in
            if let existing = sockets[name] { return existing }
            let socket = SocketIOClient(manager: self, namespace: name, auth: auth ?? options.auth)
            sockets[name] = socket
            return socket
        }
    }

    /// Adds a handler for a manager event (`reconnect_attempt`, `reconnect`, `reconnect_error`, `reconnect_failed`).
    public func on(_ event: String, _ handler: @escaping SocketIOEventHandler) {
        eventLoop.execute { self.handlers[event, default: []].append(handler) }
    }

    /// The transport currently carrying the connection (`polling` until an upgrade completes), if open.
    public var currentTransport: EngineTransportKind? {
        transportSnapshot.withLockedValue { $0 }
    }

    // MARK: For sockets (on the event loop)

    var isEngineOpen: Bool { engineIsOpen }

    /// A socket wants to connect: open the engine connection if needed.
    func socketWantsConnection() {
        run(reconnection.open())
    }

    /// A socket disconnected by the application: close the engine when no socket wants it any more.
    func socketClosed() {
        guard sockets.values.allSatisfy({ !$0.isActive }) else { return }
        reconnection.close()
        reconnectTimer?.cancel()
        connectTimer?.cancel()
        engine?.close()
        engine = nil
        engineIsOpen = false
        transportSnapshot.withLockedValue { $0 = nil }
        decoder = SocketIOPacketDecoder()
    }

    /// Sends one packet (with its binary attachments).
    func send(_ packet: SocketIOPacket) {
        guard let engine, engineIsOpen else { return }
        let (text, attachments) = SocketIOPacketEncoder.encodeText(packet)
        engine.send([.text(text)] + attachments.map { .binary($0) })
    }

    // MARK: Engine events

    private func openEngine() {
        let engine = EngineClient(eventLoop: eventLoop, endpoint: endpoint, options: options, logger: logger)
        engine.onOpen = { [weak self] _ in self?.engineOpened() }
        engine.onMessage = { [weak self] message in self?.received(message) }
        engine.onClose = { [weak self] reason in self?.engineClosed(reason: reason.rawValue) }
        engine.onUpgrade = { [weak self] in self?.transportSnapshot.withLockedValue { $0 = .websocket } }
        self.engine = engine
        decoder = SocketIOPacketDecoder()
        connectTimer?.cancel()
        connectTimer = eventLoop.scheduleTask(in: options.timeout.timeAmount) { [weak self] in
            guard let self, !self.engineIsOpen, self.engine === engine else { return }
            engine.close()
            self.engineClosed(reason: "timeout")
        }
        engine.open()
    }

    private func engineOpened() {
        connectTimer?.cancel()
        engineIsOpen = true
        transportSnapshot.withLockedValue { $0 = engine?.transport }
        run(reconnection.connectionOpened())
        for socket in sockets.values { socket.engineOpened() }
    }

    private func received(_ message: EngineMessage) {
        let packet: SocketIOPacket?
        do {
            packet = try decoder.decode(message)
        } catch {
            logger.debug("invalid packet from server", metadata: ["error": "\(error)"])
            engine?.close()
            engineClosed(reason: "parse error")
            return
        }
        guard let packet else { return }
        sockets[packet.namespace]?.received(packet)
    }

    private func engineClosed(reason: String) {
        let wasOpen = engineIsOpen
        engineIsOpen = false
        transportSnapshot.withLockedValue { $0 = nil }
        engine = nil
        connectTimer?.cancel()
        for socket in sockets.values {
            if wasOpen {
                socket.engineClosed(reason: reason)
            } else {
                socket.engineFailedToOpen(reason: reason)
            }
        }
        run(reconnection.connectionLost(random: &random))
    }

    private func run(_ actions: [ReconnectionStateMachine.Action]) {
        for action in actions {
            switch action {
            case .openConnection:
                openEngine()
            case .scheduleAttempt(let milliseconds):
                reconnectTimer?.cancel()
                reconnectTimer = eventLoop.scheduleTask(in: .milliseconds(milliseconds)) { [weak self] in
                    guard let self else { return }
                    self.run(self.reconnection.delayElapsed())
                }
            case .attempt(let attempt):
                report("reconnect_attempt", [.int(Int64(attempt))])
                openEngine()
            case .reportReconnectError:
                report("reconnect_error", [["message": "reconnection failed"]])
            case .reportReconnected(let attempts):
                report("reconnect", [.int(Int64(attempts))])
            case .reportReconnectFailed:
                report("reconnect_failed", [])
            }
        }
    }

    private func report(_ event: String, _ arguments: [JSONValue]) {
        for handler in handlers[event] ?? [] { handler(arguments, nil) }
        for socket in sockets.values { socket.reportManagerEvent(event, arguments) }
    }
}

/// A type-erased generator, so a manager can hold the injected source.
struct AnyRandomNumberGenerator: RandomNumberGenerator {
    var base: any RandomNumberGenerator

    mutating func next() -> UInt64 {
        base.next()
    }
}
