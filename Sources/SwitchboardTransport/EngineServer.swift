import EngineIO
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// An Engine.IO v4 server: polling and WebSocket transports, the upgrade, heartbeats and the session registry.
///
/// Mount it on an ``HTTPRouter`` at one or more paths. New sessions are handed to the delegate on the
/// event loop of the request that opened them; each session stays on that loop.
public final class EngineServer: Sendable {
    /// The settings every session of this server uses.
    public let configuration: EngineConfiguration
    let delegate: any EngineServerDelegate
    let logger: Logger
    let metrics: EngineMetrics
    /// Open sessions by id (keys carry their hash: see ``HashedString``).
    private let sessions = NIOLockedValueBox<[HashedString: EngineSession]>([:])
    /// Session caps and connect rates; `nil` when ``ServerLimits/limitsAdmission`` is off (no lock taken).
    private let admission: NIOLockedValueBox<SessionAdmission>?
    /// Read only when a request names a session that is not here (never on the path of local sessions).
    private let remoteRouterBox = NIOLockedValueBox<(any RemoteSessionRouter)?>(nil)
    /// One ``EngineLoopContext`` per event loop that has had a session or WebSocket (looked up once per connection).
    private let loopContexts: PerEventLoop<EngineLoopContext>
    /// When to hand freed memory back to the system after many sessions ended (see ``MemoryTrimPolicy``).
    private let memoryTrim = NIOLockedValueBox(MemoryTrimPolicy())
    /// The open packet's body after the sid, for sessions opened on polling and on WebSocket (built once).
    private let openPacketSuffixes: (polling: String, websocket: String)

    /// Creates a server.
    ///
    /// - Parameters:
    ///   - configuration: heartbeat, size, transport and CORS settings.
    ///   - delegate: accepts new sessions (the Socket.IO server, or ``EngineEchoDelegate``).
    ///   - logger: receives per-session debug events under `engine.sid`.
    ///   - metricsFactory: where the server's metrics go (see the transport's Metrics article); by default the
    ///     bootstrapped `MetricsSystem`, which must be bootstrapped before the server is created.
    public init(
        configuration: EngineConfiguration, delegate: any EngineServerDelegate, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.delegate = delegate
        self.logger = logger
        let metrics = EngineMetrics(factory: metricsFactory)
        self.metrics = metrics
        self.loopContexts = PerEventLoop { EngineLoopContext(eventLoop: $0, metrics: metrics) }
        self.admission =
            configuration.limits.limitsAdmission ? NIOLockedValueBox(SessionAdmission(limits: configuration.limits)) : nil
        self.openPacketSuffixes = (
            EngineOpenPacket.suffix(upgrades: configuration.upgrades(from: .polling), configuration: configuration),
            EngineOpenPacket.suffix(upgrades: [], configuration: configuration)
        )
    }

    /// Serves requests for sessions owned by other processes of a cluster; `nil` (the default) answers
    /// them `400 Session ID unknown`. Set it before the server accepts connections.
    public var remoteSessionRouter: (any RemoteSessionRouter)? {
        get { remoteRouterBox.withLockedValue { $0 } }
        set { remoteRouterBox.withLockedValue { $0 = newValue } }
    }

    /// The number of open sessions.
    public var sessionCount: Int { sessions.withLockedValue { $0.count } }

    /// The shared per-tick and timer state of `eventLoop`'s sessions and WebSockets, made on first use.
    func loopContext(for eventLoop: any EventLoop) -> EngineLoopContext {
        loopContexts.value(for: eventLoop)
    }

    /// Closes every session with `reason` (queued packets are flushed first where a transport allows).
    public func closeAllSessions(reason: EngineCloseReason) {
        for session in sessions.withLockedValue({ Array($0.values) }) { session.close(reason: reason) }
    }

    /// Ends every remaining session at once, without waiting for a last poll.
    public func terminateAllSessions(reason: EngineCloseReason) {
        for session in sessions.withLockedValue({ Array($0.values) }) { session.terminate(reason: reason) }
    }

    func sessionEnded(
        _ id: String, address: String?, transport: EngineTransportKind, reason: EngineCloseReason, wasRegistered: Bool,
        eventLoop: any EventLoop
    ) {
        let key = HashedString(id)
        let count = sessions.withLockedValue { sessions in
            sessions.removeValue(forKey: key)
            return sessions.count
        }
        sessionCountChanged(to: count, eventLoop: eventLoop)
        if wasRegistered { remoteSessionRouter?.sessionClosed(id) }
        metrics.sessionClosed(transport: transport, reason: reason)
        admission?.withLockedValue { $0.close(address: address) }
        logger.debug("engine session closed", metadata: ["engine.sid": "\(id)"])
    }

    /// The ids of the sessions that began on polling.
    func pollingSessionIDsSnapshot() -> [String] {
        sessions.withLockedValue { sessions in sessions.values.filter(\.beganWithPolling).map(\.id) }
    }

    func session(_ id: String) -> EngineSession? {
        let key = HashedString(id)
        return sessions.withLockedValue { $0[key] }
    }

    /// CORS headers for an answer to `head`.
    func corsHeaders(for head: HTTPRequestHead) -> [(name: String, value: String)] {
        let origin = head.headers.first(name: "origin")
        if head.method == .OPTIONS {
            return configuration.cors.preflightHeaders(
                origin: origin, requestedHeaders: head.headers.first(name: "access-control-request-headers"))
        }
        return configuration.cors.responseHeaders(origin: origin)
    }

    // MARK: Polling

    /// Serves one complete polling (or preflight, or refused) request; on the connection's loop.
    func handlePollingRequest(
        head: HTTPRequestHead, body: ByteBuffer, remoteAddress: String?, isSecure: Bool, responder: HTTPResponder
    ) {
        let (_, query) = EngineRequestValidation.parseQuery(ofTarget: head.uri)
        let target = EngineRequestValidation.classify(
            method: head.method.rawValue, query: query, isWebSocketUpgrade: false, transports: configuration.transports)
        switch target {
        case .failure(let error):
            metrics.handshakeError(error)
            responder.respondError(error)
        case .success(.preflight):
            responder.respond(status: .noContent, contentType: nil, body: ByteBuffer())
        case .success(.handshake):
            if let refusal = admission?.withLockedValue({ admission in
                admission.attempt(address: remoteAddress, now: monotonicMilliseconds()) ?? admission.open(address: remoteAddress)
            }) {
                logger.debug("polling handshake refused", metadata: ["engine.refusal": "\(refusal)"])
                metrics.limitHit(refusal)
                metrics.handshakeError(refusal.requestError)
                responder.respondError(refusal.requestError)
                return
            }
            let handshake = makeHandshake(head: head, remoteAddress: remoteAddress, isSecure: isSecure)
            if let error = admit(handshake) {
                admission?.withLockedValue { $0.close(address: remoteAddress) }
                metrics.handshakeError(error)
                responder.respondError(error)
                return
            }
            let session = openSession(handshake: handshake, transport: .polling, eventLoop: responder.eventLoop)
            metrics.handshake(.polling)
            let open = EnginePacket.open(
                ByteBuffer(string: EngineOpenPacket.json(sid: session.id, suffix: openPacketSuffixes.polling)))
            session.start(webSocket: nil)
            // The delegate takes the session before the client can learn its sid; what it sends waits for the next poll.
            delegate.engineServer(didAccept: session)
            let payload = PollingPayload.encode(CollectionOfOne(open), allocator: ByteBufferAllocator())
            if let router = remoteSessionRouter {
                // In a cluster the client may send its next request to another process: register first.
                router.sessionOpened(session.id, eventLoop: responder.eventLoop).whenComplete { _ in
                    responder.respondPayload(payload)
                }
            } else {
                responder.respondPayload(payload)
            }
        case .success(.poll(let sid)):
            guard let session = session(sid) else {
                return forwardOrRefuse(sid: sid, method: .GET, body: body, responder: responder)
            }
            session.pollRequestReceived(responder)
        case .success(.post(let sid)):
            guard let session = session(sid) else {
                return forwardOrRefuse(sid: sid, method: .POST, body: body, responder: responder)
            }
            session.postRequestReceived(body, responder: responder)
        case .success(.upgrade):
            responder.respondError(.badRequest)
        }
    }

    /// A polling request for a session that is not here: to the remote router, or `400 Session ID unknown`.
    private func forwardOrRefuse(sid: String, method: HTTPMethod, body: ByteBuffer, responder: HTTPResponder) {
        guard let router = remoteSessionRouter else {
            metrics.handshakeError(.unknownSessionID)
            return responder.respondError(.unknownSessionID)
        }
        router.forwardPollingRequest(ForwardedPollingRequest(sid: sid, method: method, body: body, responder: responder))
    }

    // MARK: WebSocket

    /// Checks a WebSocket upgrade request before the 101 answer; succeeds when it may proceed, fails with
    /// an ``EngineRequestError`` otherwise. A new session (no `sid`) takes a connect-rate token from
    /// `remoteAddress` and must fit the caps; a `sid` owned by another process asks the remote router.
    func validateWebSocketUpgrade(_ head: HTTPRequestHead, remoteAddress: String?, eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let error = webSocketUpgradeError(head, remoteAddress: remoteAddress) else {
            return eventLoop.makeSucceededVoidFuture()
        }
        if error == .unknownSessionID, configuration.allowUpgrades, let router = remoteSessionRouter,
            let sid = EngineRequestValidation.parseQuery(ofTarget: head.uri).query["sid"]
        {
            return router.canForwardWebSocket(sid: sid, eventLoop: eventLoop).flatMapThrowing { [metrics] canForward in
                guard canForward else {
                    metrics.handshakeError(error)
                    throw error
                }
            }
        }
        metrics.handshakeError(error)
        return eventLoop.makeFailedFuture(error)
    }

    /// Why a WebSocket handshake without `sid` is refused (counted as `validateWebSocketUpgrade` counts it), or
    /// `nil` when it may open a session; synchronous, for ``FirstRequestHandler``.
    func webSocketHandshakeRefusal(_ head: HTTPRequestHead, remoteAddress: String?) -> EngineRequestError? {
        guard let error = webSocketUpgradeError(head, remoteAddress: remoteAddress) else { return nil }
        metrics.handshakeError(error)
        return error
    }

    private func webSocketUpgradeError(_ head: HTTPRequestHead, remoteAddress: String?) -> EngineRequestError? {
        let (_, query) = EngineRequestValidation.parseQuery(ofTarget: head.uri)
        switch EngineRequestValidation.classify(
            method: head.method.rawValue, query: query, isWebSocketUpgrade: true, transports: configuration.transports)
        {
        case .failure(let error):
            return error
        case .success(.upgrade(let sid)):
            guard session(sid) != nil else { return .unknownSessionID }
            return configuration.allowUpgrades ? nil : .badRequest
        case .success(.handshake):
            if let refusal = admission?.withLockedValue({ $0.attempt(address: remoteAddress, now: monotonicMilliseconds()) }) {
                logger.debug("WebSocket handshake refused", metadata: ["engine.refusal": "\(refusal)"])
                metrics.limitHit(refusal)
                return refusal.requestError
            }
            return nil
        case .success:
            return .badRequest
        }
    }

    /// A WebSocket completed its 101 on `channel` (on the channel's loop, handler already in the pipeline).
    func webSocketUpgraded(_ head: HTTPRequestHead, handler: EngineWebSocketHandler, channel: any Channel, isSecure: Bool) {
        guard let connection = handler.connection else { return }
        if let sid = EngineRequestValidation.queryValue(named: "sid", inTarget: head.uri), !sid.isEmpty {
            guard let session = session(sid) else {
                if let router = remoteSessionRouter {
                    router.forwardWebSocket(ForwardedWebSocket(sid: sid, connection: connection))
                } else {
                    connection.close()
                }
                return
            }
            connection.session = session
            session.webSocketOpened(connection)
            return
        }
        let remoteAddress = channel.remoteAddress?.ipAddress
        // The caps were checked before the 101; another handshake may have taken the last slot since.
        if let refusal = admission?.withLockedValue({ $0.open(address: remoteAddress) }) {
            logger.debug("WebSocket handshake refused", metadata: ["engine.refusal": "\(refusal)"])
            metrics.limitHit(refusal)
            connection.close()
            return
        }
        let handshake = makeHandshake(head: head, remoteAddress: remoteAddress, isSecure: isSecure)
        if let error = admit(handshake) {
            admission?.withLockedValue { $0.close(address: remoteAddress) }
            metrics.handshakeError(error)
            logger.debug("WebSocket handshake refused", metadata: ["engine.error": "\(error)"])
            connection.close()
            return
        }
        let session = openSession(handshake: handshake, transport: .websocket, eventLoop: channel.eventLoop)
        metrics.handshake(.websocket)
        connection.session = session
        let open = EnginePacket.open(
            ByteBuffer(string: EngineOpenPacket.json(sid: session.id, suffix: openPacketSuffixes.websocket)))
        connection.write([open.webSocketFrame(allocator: channel.allocator)])
        session.start(webSocket: connection)
        delegate.engineServer(didAccept: session)
    }

    // MARK: Sessions

    private func admit(_ handshake: EngineHandshake) -> EngineRequestError? {
        guard let allowRequest = configuration.allowRequest else { return nil }
        switch allowRequest(handshake) {
        case .accept: return nil
        case .refuse(let message): return .forbidden(message)
        }
    }

    private func openSession(handshake: EngineHandshake, transport: EngineTransportKind, eventLoop: any EventLoop) -> EngineSession {
        while true {
            let id = Self.makeSessionID()
            let session = EngineSession(id: id, eventLoop: eventLoop, handshake: handshake, transport: transport, server: self)
            let key = HashedString(id)
            let count = sessions.withLockedValue { sessions -> Int? in
                // One lookup when the id is new (a repeat of a 120-bit random id is not expected, but is not served).
                if let existing = sessions.updateValue(session, forKey: key) {
                    sessions[key] = existing
                    return nil
                }
                return sessions.count
            }
            if let count {
                sessionCountChanged(to: count, eventLoop: eventLoop)
                metrics.sessions(transport).increment()
                logger.debug("engine session opened", metadata: ["engine.sid": "\(id)", "engine.transport": "\(transport.rawValue)"])
                return session
            }
        }
    }

    /// The handshake kept for the session: the header fields packed, the query decoded from the URL when read.
    /// Feeds the session count to the trim policy; schedules `malloc_trim` on `eventLoop` when it asks for it.
    private func sessionCountChanged(to count: Int, eventLoop: any EventLoop) {
        guard HeapTrimmer.isAvailable else { return }
        let decision = memoryTrim.withLockedValue { $0.sessionCountChanged(to: count, now: monotonicMilliseconds()) }
        guard case .schedule(let at) = decision else { return }
        eventLoop.scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(at, 0)) * 1_000_000)) { [self] in
            let count = sessionCount
            memoryTrim.withLockedValue { $0.trimDue(sessionCount: count, now: monotonicMilliseconds()) }
            HeapTrimmer.trim()
            logger.debug("returned freed memory to the system", metadata: ["engine.sessions": "\(count)"])
        }
    }

    private func makeHandshake(head: HTTPRequestHead, remoteAddress: String?, isSecure: Bool) -> EngineHandshake {
        EngineHandshake(
            url: head.uri, headerFields: head.headers, remoteAddress: remoteAddress, isSecure: isSecure,
            issuedAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
    }

    /// 20 URL-safe characters from the system's cryptographically secure generator (120 bits).
    static func makeSessionID() -> String { RandomIdentifier.make() }
}
