import EngineIO
import NIOConcurrencyHelpers
import NIOCore

/// Milliseconds on NIO's monotonic clock, the time base of ``EngineSessionStateMachine``.
func monotonicMilliseconds() -> Int64 {
    Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
}

/// One Engine.IO session: carries out what its ``EngineSessionStateMachine`` decides.
///
/// `@unchecked Sendable`: every mutable stored property (`machine`, `delegate`, `parkedPoll`, `socket`,
/// `socketHandler`, `probeSocket`, `armedDeadline`, `timerWheelPosition`) is read and written only on `eventLoop`; every
/// entry point that may be called from elsewhere hops to `eventLoop` first. `transport` is mirrored in a lock box
/// (sessions that began on polling only: a WebSocket session's transport never changes).
final class EngineSession: EngineConnection, TimerWheelOwner, @unchecked Sendable {
    // The fields a send reads come first (`eventLoop`, `machine`'s phase, `socketHandler`, `loopContext`): a
    // fan-out touches each session once per broadcast, and they then share the object's first cache line.
    let eventLoop: any EventLoop
    private var machine: EngineSessionStateMachine
    /// The handler of ``socket`` when it is a channel of this session's loop: sends skip the thread-safe handle.
    private var socketHandler: EngineWebSocketHandler?
    /// This loop's shared flush batch, metrics batch and timer wheel.
    private let loopContext: EngineLoopContext
    let id: String
    let handshake: EngineHandshake
    let server: EngineServer
    /// Whether the session began on polling (only those are registered with a ``RemoteSessionRouter``:
    /// a WebSocket-only session never receives a request on another process).
    let beganWithPolling: Bool
    /// The current transport of a session that began on polling (it may upgrade); `nil` for a WebSocket session,
    /// whose transport stays `.websocket` (no lock box per WebSocket connection).
    private let transportBox: NIOLockedValueBox<EngineTransportKind>?
    private var parkedPoll: HTTPResponder?
    private var socket: EngineWebSocketConnection? {
        didSet { socketHandler = socket?.handler(on: eventLoop) }
    }
    private var probeSocket: EngineWebSocketConnection?
    /// The deadline the loop's timer wheel holds for this session.
    private var armedDeadline: Int64?
    var timerWheelPosition: TimerWheelPosition?
    /// Made when needed (a stateless value): not stored, so each session is 32 bytes smaller.
    private var allocator: ByteBufferAllocator { ByteBufferAllocator() }

    var delegate: (any EngineConnectionDelegate)?

    var transport: EngineTransportKind { transportBox?.withLockedValue { $0 } ?? .websocket }

    init(id: String, eventLoop: any EventLoop, handshake: EngineHandshake, transport: EngineTransportKind, server: EngineServer) {
        self.id = id
        self.eventLoop = eventLoop
        self.handshake = handshake
        self.server = server
        self.beganWithPolling = transport == .polling
        self.transportBox = transport == .polling ? NIOLockedValueBox(transport) : nil
        self.machine = EngineSessionStateMachine(
            transport: transport, timing: .init(server.configuration), now: monotonicMilliseconds())
        self.loopContext = server.loopContext(for: eventLoop)
    }

    // MARK: EngineConnection

    func send(_ messages: [OutboundEngineMessage]) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.send(messages) }
            return
        }
        switch machine.send(messages) {
        case .drop:
            return
        case .queued:
            break
        case .writeWebSocket:
            if let socketHandler { socketHandler.write(messages) } else { socket?.write(messages) }
        case .answerParkedPoll(let packets):
            answerParked(packets)
        case .close(let actions):
            server.logger.debug("slow consumer disconnected", metadata: ["engine.sid": "\(id)"])
            perform(actions, request: nil, webSocket: nil)
            return
        }
        loopContext.recordSent(messages)
    }

    var isWritable: Bool {
        switch machine.phase {
        case .websocket: socket?.isWritable ?? false
        case .polling, .upgrading: !machine.isBackedUp
        case .closing, .closed: false
        }
    }

    func close() {
        close(reason: .forcedClose)
    }

    func close(reason: EngineCloseReason) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.close(reason: reason) }
            return
        }
        perform(machine.close(reason: reason, now: monotonicMilliseconds()), request: nil, webSocket: nil)
    }

    /// Ends the session now, without waiting for a last poll (server shutdown).
    func terminate(reason: EngineCloseReason) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.terminate(reason: reason) }
            return
        }
        perform(machine.terminate(reason: reason), request: nil, webSocket: nil)
    }

    // MARK: Transport events

    /// Starts the session's timers and hands it to the server delegate (on `eventLoop`).
    func start(webSocket: EngineWebSocketConnection?) {
        socket = webSocket
        rescheduleTimer()
    }

    func pollRequestReceived(_ responder: HTTPResponder) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.pollRequestReceived(responder) }
            return
        }
        perform(machine.pollRequestReceived(now: monotonicMilliseconds()), request: responder, webSocket: nil)
    }

    func postRequestReceived(_ body: ByteBuffer, responder: HTTPResponder) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.postRequestReceived(body, responder: responder) }
            return
        }
        if case .reject(let error) = machine.postRequestReceived() {
            responder.respondError(error)
            return
        }
        let packets: [EnginePacket]
        do {
            packets = try PollingPayload.decode(body, maxPayload: server.configuration.maxPayload)
        } catch {
            responder.respondError(.badRequest)
            perform(machine.protocolViolation(), request: nil, webSocket: nil)
            return
        }
        for packet in packets {
            received(packet)
        }
        responder.respond(status: .ok, contentType: "text/html", body: ByteBuffer(string: "ok"))
        rescheduleTimer()
    }

    func webSocketOpened(_ connection: EngineWebSocketConnection) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.webSocketOpened(connection) }
            return
        }
        perform(machine.webSocketOpened(now: monotonicMilliseconds()), request: nil, webSocket: connection)
    }

    func webSocketReceived(_ connection: EngineWebSocketConnection, _ result: Result<EnginePacket, EngineDecodingError>) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.webSocketReceived(connection, result) }
            return
        }
        if connection === socket {
            switch result {
            case .success(let packet): received(packet)
            case .failure: perform(machine.protocolViolation(), request: nil, webSocket: nil)
            }
        } else if connection === probeSocket {
            switch result {
            case .success(let packet):
                perform(machine.probePacketReceived(packet), request: nil, webSocket: nil)
            case .failure:
                probeSocket = nil
                perform(machine.probeWebSocketClosed(), request: nil, webSocket: nil)
                connection.close()
            }
        }
    }

    /// The heartbeat's `pong` arrived on a WebSocket (the same as ``webSocketReceived(_:_:)`` with a pong packet,
    /// without building one: the commonest packet of an idle session).
    func webSocketPongReceived(_ connection: EngineWebSocketConnection) {
        guard connection === socket, eventLoop.inEventLoop else {
            return webSocketReceived(connection, .success(.pong(ByteBuffer())))
        }
        machine.pongReceived(now: monotonicMilliseconds())
        rescheduleTimer()  // a pong moves the next ping
    }

    func webSocketClosed(_ connection: EngineWebSocketConnection, reason: EngineCloseReason) {
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.webSocketClosed(connection, reason: reason) }
            return
        }
        if connection === socket {
            socket = nil
            perform(machine.webSocketClosed(reason: reason), request: nil, webSocket: nil)
        } else if connection === probeSocket {
            probeSocket = nil
            perform(machine.probeWebSocketClosed(), request: nil, webSocket: nil)
        }
    }

    private func received(_ packet: EnginePacket) {
        switch machine.packetReceived(packet, now: monotonicMilliseconds()) {
        case .none:
            rescheduleTimer()  // a pong moves the next ping
        case .deliver(let message):
            server.metrics.received(message)
            delegate?.engineConnection(self, didReceive: message)
        case .perform(let actions):
            perform(actions, request: nil, webSocket: nil)
        }
    }

    /// Whether a polling `GET` is parked (for tests that must not race the hop to this session's loop).
    func hasParkedPoll() -> EventLoopFuture<Bool> {
        eventLoop.submit { self.machine.hasParkedPoll }
    }

    // MARK: Actions

    private func perform(_ actions: [EngineSessionAction], request: HTTPResponder?, webSocket: EngineWebSocketConnection?) {
        for action in actions {
            switch action {
            case .answerPoll(let packets):
                request?.respondPayload(PollingPayload.encode(packets, allocator: allocator))
            case .parkPoll:
                guard let request else { continue }
                parkedPoll = request
                request.onAbort { [self] in
                    eventLoop.execute {
                        guard self.parkedPoll === request else { return }
                        self.parkedPoll = nil
                        self.perform(self.machine.parkedPollAborted(), request: nil, webSocket: nil)
                    }
                }
            case .answerParkedPoll(let packets):
                answerParked(packets)
            case .rejectRequest(let error):
                request?.respondError(error)
            case .writeWebSocket(let packets):
                if let socketHandler { socketHandler.write(packets) } else { socket?.write(packets) }
            case .writeProbeWebSocket(let packets):
                probeSocket?.write(packets)
            case .acceptProbeWebSocket:
                probeSocket = webSocket
            case .rejectWebSocket:
                webSocket?.close()
            case .closeProbeWebSocket:
                probeSocket?.close()
                probeSocket = nil
            case .promoteProbeWebSocket:
                socket = probeSocket
                probeSocket = nil
                transportBox?.withLockedValue { $0 = .websocket }
                server.metrics.pollingSessions.decrement()
                server.metrics.webSocketSessions.increment()
            case .closeWebSocket:
                socket?.close()
                socket = nil
            case .sessionClosed(let reason):
                loopContext.disarm(self)
                armedDeadline = nil
                server.sessionEnded(
                    id, address: handshake.remoteAddress, transport: transport, reason: reason, wasRegistered: beganWithPolling,
                    eventLoop: eventLoop)
                let delegate = self.delegate
                self.delegate = nil
                delegate?.engineConnection(self, didCloseWith: reason)
            }
        }
        rescheduleTimer()
    }

    private func answerParked(_ packets: [EngineOutboundPacket]) {
        guard let parked = parkedPoll else { return }
        parkedPoll = nil
        parked.respondPayload(PollingPayload.encode(packets, allocator: allocator))
    }

    private func rescheduleTimer() {
        let deadline = machine.nextDeadline
        guard deadline != armedDeadline else { return }
        armedDeadline = deadline
        if let deadline {
            loopContext.arm(self, at: deadline)
        } else {
            loopContext.disarm(self)
        }
    }

    /// The loop's timer wheel reached ``armedDeadline`` at `now` (on `eventLoop`; the wheel's pass reads the clock once).
    func timerFired(now: Int64) {
        armedDeadline = nil
        perform(machine.timerFired(now: now), request: nil, webSocket: nil)
    }
}
