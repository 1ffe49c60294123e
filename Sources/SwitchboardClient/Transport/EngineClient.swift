import EngineIO
import Logging
import NIOCore

/// One Engine.IO client connection: carries out what ``EngineClientSession`` decides over the polling
/// and WebSocket transports, and runs the heartbeat watchdog timer.
///
/// All mutable state is confined to `eventLoop` (every entry point must run there and every callback
/// runs there), so sharing the reference across the futures' `@Sendable` closures is safe.
final class EngineClient: @unchecked Sendable {
    let eventLoop: EventLoop
    private let endpoint: ClientEndpoint
    private let options: SocketIOClientOptions
    private let logger: Logger
    private var session: EngineClientSession
    private var polling: PollingTransport?
    private var webSocket: WebSocketTransport?
    private var probe: WebSocketTransport?
    private var watchdog: Scheduled<Void>?
    private var watchdogDeadline: NIODeadline?
    private var finished = false

    /// The handshake completed.
    var onOpen: ((EngineOpenInfo) -> Void)?
    /// A message arrived.
    var onMessage: ((EngineMessage) -> Void)?
    /// The connection closed (reported once, never after ``close()``).
    var onClose: ((EngineCloseReason) -> Void)?
    /// The session moved to WebSocket (for tests and logs).
    var onUpgrade: (() -> Void)?

    init(eventLoop: EventLoop, endpoint: ClientEndpoint, options: SocketIOClientOptions, logger: Logger) {
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.options = options
        self.logger = logger
        let first = options.transports.first ?? .polling
        self.session = EngineClientSession(
            transport: first,
            upgradeEnabled: first == .polling && options.transports.contains(.websocket),
            now: .now()
        )
    }

    /// The transport carrying the session, once open.
    var transport: EngineTransportKind? { session.activeTransport }

    /// Opens the first transport.
    func open() {
        eventLoop.preconditionInEventLoop()
        switch session.state {
        case .opening(.websocket):
            let socket = makeWebSocket(sid: nil)
            socket.onOpen = nil
            webSocket = socket
        case .opening(.polling):
            let transport = PollingTransport(
                eventLoop: eventLoop, endpoint: endpoint, query: options.query, headers: options.extraHeaders,
                tls: options.tls
            )
            transport.onPackets = { [weak self] packets in self?.receivedFromPolling(packets) }
            transport.onFailure = { [weak self] parseError in
                guard let self else { return }
                self.run(parseError ? self.session.decodingFailed() : self.session.transportClosed(.polling, error: true))
            }
            polling = transport
            transport.start()
        case .open, .probing, .pausingPolling, .closed:
            break
        }
    }

    /// Sends messages (held during an upgrade, dropped once closed).
    func send(_ messages: [EngineMessage]) {
        eventLoop.preconditionInEventLoop()
        run(session.send(messages))
    }

    /// Closes the connection (sends `close` when open); no `onClose` callback follows.
    func close() {
        eventLoop.preconditionInEventLoop()
        onClose = nil
        run(session.close())
    }

    // MARK: Transport callbacks

    private func receivedFromPolling(_ packets: [EnginePacket]) {
        for packet in packets {
            run(session.received(packet, on: .polling, now: .now()))
        }
    }

    private func makeWebSocket(sid: String?) -> WebSocketTransport {
        let socket = WebSocketTransport(eventLoop: eventLoop)
        socket.onPacket = { [weak self] packet in
            guard let self else { return }
            self.run(self.session.received(packet, on: .websocket, now: .now()))
        }
        socket.onClose = { [weak self] parseError in
            guard let self else { return }
            self.run(parseError ? self.session.decodingFailed() : self.session.transportClosed(.websocket, error: true))
        }
        let uri = endpoint.requestURI(transport: .websocket, sid: sid, query: options.query, cacheBuster: nil)
        socket.connect(
            endpoint: endpoint, uri: uri, headers: options.extraHeaders, tls: options.tls, maxFrameSize: 100_000_000
        )
        return socket
    }

    // MARK: Actions

    private func run(_ actions: [EngineClientSession.Action]) {
        for action in actions {
            switch action {
            case .write(let packets, on: .polling):
                polling?.write(packets)
            case .write(let packets, on: .websocket):
                if case .probing = session.state { probe?.write(packets) } else { (webSocket ?? probe)?.write(packets) }
            case .deliver(let message):
                onMessage?(message)
            case .opened(let info):
                logger.debug("engine open", metadata: ["engine.sid": "\(info.sid)"])
                polling?.postLimit = info.maxPayload
                polling?.sid = info.sid
                armWatchdog()
                onOpen?(info)
            case .openProbeTransport(let sid):
                let socket = makeWebSocket(sid: sid)
                socket.onOpen = { [weak self] in
                    guard let self else { return }
                    self.run(self.session.probeTransportOpened())
                }
                probe = socket
            case .pausePolling:
                guard let polling else {
                    run(session.pollingPaused())
                    continue
                }
                polling.onPaused = { [weak self] in
                    guard let self else { return }
                    self.run(self.session.pollingPaused())
                }
                polling.pause()
            case .upgraded:
                webSocket = probe
                probe = nil
                polling?.close()
                polling = nil
                logger.debug("engine upgraded to websocket")
                onUpgrade?()
            case .discardProbeTransport:
                probe?.close()
                probe = nil
            case .close(let reason, let transport):
                switch transport {
                case .polling?: polling?.write([.close])
                case .websocket?: webSocket?.write([.close])
                case nil: break
                }
                tearDown()
                let callback = onClose
                onClose = nil
                callback?(reason)
            }
        }
        if !finished { armWatchdog() }
    }

    /// Keeps one timer at the session's heartbeat deadline (re-armed only when the deadline moves).
    private func armWatchdog() {
        let deadline = session.heartbeatDeadline
        guard deadline != watchdogDeadline else { return }
        watchdog?.cancel()
        watchdog = nil
        watchdogDeadline = deadline
        guard let deadline else { return }
        watchdog = eventLoop.scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.watchdog = nil
            self.watchdogDeadline = nil
            self.run(self.session.checkHeartbeat(now: .now()))
        }
    }

    private func tearDown() {
        finished = true
        watchdog?.cancel()
        watchdog = nil
        polling?.close()
        polling = nil
        // Let a queued `close` frame go out before the socket closes.
        webSocket?.close()
        webSocket = nil
        probe?.close()
        probe = nil
        onOpen = nil
        onMessage = nil
        onUpgrade = nil
    }
}
