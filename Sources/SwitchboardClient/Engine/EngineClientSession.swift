import EngineIO
import NIOCore

/// The client side of one Engine.IO v4 session, with no I/O: the handshake, the heartbeat watchdog and
/// the polling → WebSocket upgrade (`2probe` / `3probe` / `5`).
///
/// Every event is a `mutating func` that returns the actions the I/O layer must carry out, in order.
/// The clock is passed in. Messages sent while an upgrade pauses polling are held and go out over the
/// WebSocket right after the `upgrade` packet, so none is lost or reordered.
struct EngineClientSession: Sendable {
    /// Where the session is.
    enum State: Sendable, Hashable {
        /// Waiting for the server's `open` packet on the first transport.
        case opening(EngineTransportKind)
        /// Open; all traffic goes over the given transport.
        case open(EngineTransportKind)
        /// Open over polling; a WebSocket with our `sid` is being opened or probed.
        case probing(probeSent: Bool)
        /// The probe was answered; polling must go idle before the `upgrade` packet is sent.
        case pausingPolling
        /// Closed; every further event is ignored.
        case closed
    }

    /// What the I/O layer must do.
    enum Action: Sendable, Equatable {
        /// Send these packets over this transport (one POST for polling, one frame each for WebSocket).
        case write([EnginePacket], on: EngineTransportKind)
        /// Hand a message to the Socket.IO layer.
        case deliver(EngineMessage)
        /// The handshake completed.
        case opened(EngineOpenInfo)
        /// Open a WebSocket for session `sid`; report with ``probeTransportOpened()`` or ``probeTransportFailed()``.
        case openProbeTransport(sid: String)
        /// Stop starting polling requests; call ``pollingPaused()`` once none is in flight.
        case pausePolling
        /// The WebSocket now carries the session: drop the polling transport.
        case upgraded
        /// The probe failed: close the probe WebSocket and keep polling.
        case discardProbeTransport
        /// Tear everything down; when `sendCloseOn` is set, send a last `close` packet over it first.
        case close(EngineCloseReason, sendCloseOn: EngineTransportKind?)
    }

    private(set) var state: State
    private(set) var info: EngineOpenInfo?
    /// Whether the session should try to move from polling to WebSocket.
    let upgradeEnabled: Bool
    private var lastHeartbeat: NIODeadline
    private var heldForUpgrade: [EnginePacket] = []

    /// A session about to open over `transport`.
    init(transport: EngineTransportKind, upgradeEnabled: Bool, now: NIODeadline) {
        self.state = .opening(transport)
        self.upgradeEnabled = upgradeEnabled
        self.lastHeartbeat = now
    }

    /// The transport that currently carries the session, if open.
    var activeTransport: EngineTransportKind? {
        switch state {
        case .open(let kind): kind
        case .probing, .pausingPolling: .polling
        case .opening, .closed: nil
        }
    }

    /// When the heartbeat watchdog fires unless a ping arrives first.
    var heartbeatDeadline: NIODeadline? {
        guard let info, activeTransport != nil else { return nil }
        return lastHeartbeat + info.heartbeatDeadline
    }

    // MARK: Events

    /// A packet arrived over `transport`.
    mutating func received(_ packet: EnginePacket, on transport: EngineTransportKind, now: NIODeadline) -> [Action] {
        switch state {
        case .closed:
            return []
        case .opening(let kind):
            guard transport == kind else { return [] }
            switch packet {
            case .open(let body):
                guard let info = EngineOpenInfo(openPacketBody: body) else {
                    return closeNow(.parseError, sendClosePacket: false)
                }
                self.info = info
                lastHeartbeat = now
                if kind == .polling, upgradeEnabled, info.upgrades.contains("websocket") {
                    state = .probing(probeSent: false)
                    return [.opened(info), .openProbeTransport(sid: info.sid)]
                }
                state = .open(kind)
                return [.opened(info)]
            case .noop:
                return []
            case .close:
                return closeNow(.transportClose, sendClosePacket: false)
            case .ping, .pong, .message, .upgrade:
                return closeNow(.parseError, sendClosePacket: false)
            }
        case .open(let kind):
            guard transport == kind else { return [] }
            return handleSessionPacket(packet, now: now, replyOn: kind)
        case .probing(let probeSent):
            if transport == .websocket {
                guard probeSent, case .pong(let data) = packet, data.readableBytesView.elementsEqual("probe".utf8) else {
                    state = .open(.polling)
                    return [.discardProbeTransport]
                }
                state = .pausingPolling
                return [.pausePolling]
            }
            return handleSessionPacket(packet, now: now, replyOn: .polling)
        case .pausingPolling:
            guard transport == .polling else { return [] }
            return handleSessionPacket(packet, now: now, replyOn: .polling)
        }
    }

    /// The probe WebSocket connected: send `2probe` over it.
    mutating func probeTransportOpened() -> [Action] {
        guard case .probing(probeSent: false) = state else { return [] }
        state = .probing(probeSent: true)
        return [.write([.ping(ByteBuffer(string: "probe"))], on: .websocket)]
    }

    /// The probe WebSocket could not be opened or closed before the upgrade: keep polling.
    mutating func probeTransportFailed() -> [Action] {
        switch state {
        case .probing, .pausingPolling:
            state = .open(.polling)
            let held = heldForUpgrade
            heldForUpgrade = []
            return held.isEmpty ? [.discardProbeTransport] : [.discardProbeTransport, .write(held, on: .polling)]
        case .opening, .open, .closed:
            return []
        }
    }

    /// No polling request is in flight any more: complete the upgrade.
    mutating func pollingPaused() -> [Action] {
        guard case .pausingPolling = state else { return [] }
        state = .open(.websocket)
        let packets = [EnginePacket.upgrade] + heldForUpgrade
        heldForUpgrade = []
        return [.write(packets, on: .websocket), .upgraded]
    }

    /// The layer above sends messages.
    mutating func send(_ messages: [EngineMessage]) -> [Action] {
        let packets = messages.map { EnginePacket.message($0) }
        return write(packets)
    }

    /// The clock moved: close with `ping timeout` when the server has been silent too long.
    mutating func checkHeartbeat(now: NIODeadline) -> [Action] {
        guard let deadline = heartbeatDeadline, now >= deadline else { return [] }
        return closeNow(.pingTimeout, sendClosePacket: false)
    }

    /// A transport closed or failed underneath the session.
    mutating func transportClosed(_ transport: EngineTransportKind, error: Bool) -> [Action] {
        switch state {
        case .closed:
            return []
        case .probing, .pausingPolling:
            if transport == .websocket { return probeTransportFailed() }
            return closeNow(error ? .transportError : .transportClose, sendClosePacket: false)
        case .opening(let kind), .open(let kind):
            guard transport == kind else { return [] }
            return closeNow(error ? .transportError : .transportClose, sendClosePacket: false)
        }
    }

    /// The received bytes could not be decoded.
    mutating func decodingFailed() -> [Action] {
        closeNow(.parseError, sendClosePacket: false)
    }

    /// The application closes the session: send `close` (when open), then tear down.
    mutating func close() -> [Action] {
        switch state {
        case .closed: return []
        case .opening: return closeNow(.forcedClose, sendClosePacket: false)
        case .open, .probing, .pausingPolling: return closeNow(.forcedClose, sendClosePacket: true)
        }
    }

    // MARK: Helpers

    private mutating func handleSessionPacket(
        _ packet: EnginePacket, now: NIODeadline, replyOn kind: EngineTransportKind
    ) -> [Action] {
        switch packet {
        case .ping(let data):
            lastHeartbeat = now
            return write([.pong(data)])
        case .message(let message):
            return [.deliver(message)]
        case .close:
            return closeNow(.transportClose, sendClosePacket: false)
        case .noop, .pong:
            return []
        case .open, .upgrade:
            return closeNow(.parseError, sendClosePacket: false)
        }
    }

    private mutating func write(_ packets: [EnginePacket]) -> [Action] {
        switch state {
        case .open(let kind):
            return [.write(packets, on: kind)]
        case .probing:
            return [.write(packets, on: .polling)]
        case .pausingPolling:
            heldForUpgrade.append(contentsOf: packets)
            return []
        case .opening, .closed:
            return []
        }
    }

    private mutating func closeNow(_ reason: EngineCloseReason, sendClosePacket: Bool) -> [Action] {
        let transport = sendClosePacket ? activeTransport : nil
        state = .closed
        heldForUpgrade = []
        return [.close(reason, sendCloseOn: transport)]
    }
}
