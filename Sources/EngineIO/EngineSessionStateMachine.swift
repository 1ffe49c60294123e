import DequeModule
import NIOCore

/// Something the I/O layer must do for a session, in the order the actions are returned.
public enum EngineSessionAction: Sendable, Equatable {
    /// Answer the polling `GET` that caused the event with these packets (HTTP 200).
    case answerPoll([EngineOutboundPacket])
    /// Keep the polling `GET` that caused the event open until there is something to send.
    case parkPoll
    /// Answer the parked polling `GET` with these packets (HTTP 200).
    case answerParkedPoll([EngineOutboundPacket])
    /// Refuse the request that caused the event (HTTP 400 with the JSON error body).
    case rejectRequest(EngineRequestError)
    /// Write these packets to the session's WebSocket.
    case writeWebSocket([EngineOutboundPacket])
    /// Write these packets to the WebSocket that is probing an upgrade.
    case writeProbeWebSocket([EngineOutboundPacket])
    /// Keep the newly opened WebSocket as the upgrade probe.
    case acceptProbeWebSocket
    /// Close the newly opened WebSocket at once (it stays unused).
    case rejectWebSocket
    /// Close the WebSocket that was probing an upgrade.
    case closeProbeWebSocket
    /// The probing WebSocket becomes the session's transport; polling is over.
    case promoteProbeWebSocket
    /// Close the session's WebSocket.
    case closeWebSocket
    /// The session is over: forget it, stop its timers and tell the delegate once.
    case sessionClosed(EngineCloseReason)
}

/// What to do with a packet that arrived on the session's transport.
public enum EngineInboundAction: Sendable, Equatable {
    /// Nothing to do (a pong, a noop).
    case none
    /// Hand the message to the layer above.
    case deliver(EngineMessage)
    /// Carry out these actions.
    case perform([EngineSessionAction])
}

/// What to do with messages the layer above sends.
public enum EngineSendAction: Sendable, Equatable {
    /// The session is closing or closed: drop them.
    case drop
    /// They were queued for the next poll.
    case queued
    /// Write them to the session's WebSocket now.
    case writeWebSocket
    /// Answer the parked poll with these packets (the queue, ending with the new messages).
    case answerParkedPoll([EngineOutboundPacket])
    /// The queue grew above ``EngineSessionStateMachine/Timing/outboundHardLimit``: carry out these
    /// actions, which close the session with ``EngineCloseReason/slowConsumer``.
    case close([EngineSessionAction])
}

/// Whether a polling `POST` may deliver its packets.
public enum EnginePostAdmission: Sendable, Equatable {
    /// Decode and feed the packets, then answer `ok`.
    case accept
    /// Answer with this error; the session is unaffected.
    case reject(EngineRequestError)
}

/// The life of one Engine.IO session: transports, the upgrade, heartbeats and closing, with no I/O.
///
/// Each event is a `mutating func` that receives the current time (milliseconds on a monotonic clock) and
/// returns what the I/O layer must do. After every event, ``nextDeadline`` tells when ``timerFired(now:)``
/// must be called next.
public struct EngineSessionStateMachine: Sendable {
    /// Where the session is in its life.
    public enum Phase: Sendable, Hashable {
        /// Long-polling.
        case polling
        /// Long-polling while a WebSocket is being tried; `probed` once `2probe` was answered.
        case upgrading(probed: Bool)
        /// On a WebSocket.
        case websocket
        /// Closed by the server while polling; waiting for a last `GET` to carry the close packet.
        case closing(EngineCloseReason)
        /// Over.
        case closed
    }

    /// Durations the machine needs, in milliseconds.
    public struct Timing: Sendable, Hashable {
        /// Between two pings.
        public var pingInterval: Int64
        /// To answer a ping.
        public var pingTimeout: Int64
        /// From a WebSocket joining to the `5` packet.
        public var upgradeTimeout: Int64
        /// Most packets in one polling response (not a duration; the rest wait for the next poll).
        public var maxPacketsPerPoll: Int
        /// Queued bytes above which ``EngineSessionStateMachine/isBackedUp`` is `true` (not a duration).
        public var outboundSoftLimit: Int
        /// Queued bytes above which a send closes the session with ``EngineCloseReason/slowConsumer``;
        /// `nil` for never (not a duration).
        public var outboundHardLimit: Int?

        /// Creates the timing.
        public init(
            pingInterval: Int64, pingTimeout: Int64, upgradeTimeout: Int64, maxPacketsPerPoll: Int = 16,
            outboundSoftLimit: Int = 1 << 20, outboundHardLimit: Int? = 16 << 20
        ) {
            precondition(maxPacketsPerPoll >= 2)
            self.pingInterval = pingInterval
            self.pingTimeout = pingTimeout
            self.upgradeTimeout = upgradeTimeout
            self.maxPacketsPerPoll = maxPacketsPerPoll
            self.outboundSoftLimit = outboundSoftLimit
            self.outboundHardLimit = outboundHardLimit
        }

        /// The timing of a configuration.
        public init(_ configuration: EngineConfiguration) {
            self.init(
                pingInterval: configuration.pingInterval, pingTimeout: configuration.pingTimeout,
                upgradeTimeout: configuration.upgradeTimeout, maxPacketsPerPoll: configuration.maxPacketsPerPoll,
                outboundSoftLimit: configuration.limits.outboundSoftLimit,
                outboundHardLimit: configuration.limits.outboundHardLimit)
        }
    }

    /// Where the session is in its life.
    public private(set) var phase: Phase
    /// Whether a polling `GET` is parked.
    public private(set) var hasParkedPoll = false
    /// Packets waiting for a poll (polling and upgrading only).
    public private(set) var queue: Deque<EngineOutboundPacket> = []
    /// Bytes of the packets in ``queue`` (message payloads plus one type byte each).
    public private(set) var queuedBytes = 0
    let timing: Timing
    var nextPingAt: Int64?
    var pongDeadline: Int64?
    var upgradeDeadline: Int64?
    var closingDeadline: Int64?

    /// A session whose handshake just completed over `transport` at `now`.
    public init(transport: EngineTransportKind, timing: Timing, now: Int64) {
        self.phase = transport == .polling ? .polling : .websocket
        self.timing = timing
        self.nextPingAt = now + timing.pingInterval
    }

    /// The transport in use.
    public var transport: EngineTransportKind {
        phase == .websocket ? .websocket : .polling
    }

    /// Whether more than ``Timing/outboundSoftLimit`` bytes wait for a poll (the client reads too slowly).
    public var isBackedUp: Bool { queuedBytes > timing.outboundSoftLimit }

    /// Whether the session is over.
    public var isClosed: Bool { phase == .closed }

    /// When ``timerFired(now:)`` must run next, or `nil` when no timer is needed.
    public var nextDeadline: Int64? {
        if phase == .closed { return nil }
        // Without building arrays: this runs after every event of every session.
        func earlier(_ a: Int64?, _ b: Int64?) -> Int64? {
            guard let a else { return b }
            guard let b else { return a }
            return min(a, b)
        }
        return earlier(earlier(nextPingAt, pongDeadline), earlier(upgradeDeadline, closingDeadline))
    }

    // MARK: Polling

    /// A polling `GET` arrived.
    public mutating func pollRequestReceived(now: Int64) -> [EngineSessionAction] {
        if let pongDeadline, now >= pongDeadline, phase != .closed {
            return close(reason: .pingTimeout) + [.rejectRequest(.unknownSessionID)]
        }
        switch phase {
        case .closed:
            return [.rejectRequest(.unknownSessionID)]
        case .websocket:
            return [.rejectRequest(.badRequest)]
        case .closing(let reason):
            guard queue.count < timing.maxPacketsPerPoll else { return [.answerPoll(drainQueue())] }
            var packets = drainQueue()
            packets.append(.close)
            phase = .closed
            return [.answerPoll(packets), .sessionClosed(reason)]
        case .polling, .upgrading:
            if hasParkedPoll {
                hasParkedPoll = false
                var actions: [EngineSessionAction] = [.answerParkedPoll([.close]), .rejectRequest(.badRequest)]
                if case .upgrading = phase { actions.append(.closeProbeWebSocket) }
                phase = .closed
                actions.append(.sessionClosed(.transportError))
                return actions
            }
            if !queue.isEmpty { return [.answerPoll(drainQueue())] }
            if phase == .upgrading(probed: true) { return [.answerPoll([.noop])] }
            hasParkedPoll = true
            return [.parkPoll]
        }
    }

    /// The client gave up the parked `GET` (its connection closed) before it was answered.
    public mutating func parkedPollAborted() -> [EngineSessionAction] {
        guard hasParkedPoll else { return [] }
        hasParkedPoll = false
        return closeWithoutGoodbye(reason: .transportClose)
    }

    /// A polling `POST` arrived; its packets follow through ``packetReceived(_:now:)`` if accepted.
    public func postRequestReceived() -> EnginePostAdmission {
        switch phase {
        case .closed: .reject(.unknownSessionID)
        case .websocket: .reject(.badRequest)
        case .polling, .upgrading, .closing: .accept
        }
    }

    // MARK: Inbound packets

    /// A `pong` arrived (the heartbeat's answer; the same as ``packetReceived(_:now:)`` with a pong, without the
    /// packet): the next ping is due one interval from now. Nothing to do otherwise (read ``nextDeadline``).
    public mutating func pongReceived(now: Int64) {
        if case .closed = phase { return }
        guard pongDeadline != nil else { return }
        pongDeadline = nil
        nextPingAt = now + timing.pingInterval
    }

    /// A packet arrived on the session's transport (a `POST` while polling, the WebSocket after the upgrade).
    public mutating func packetReceived(_ packet: EnginePacket, now: Int64) -> EngineInboundAction {
        switch phase {
        case .closed:
            return .none
        case .polling, .upgrading, .websocket, .closing:
            break
        }
        switch packet {
        case .message(let message):
            if case .closing = phase { return .none }
            return .deliver(message)
        case .pong:
            pongReceived(now: now)
            return .none
        case .close:
            var actions: [EngineSessionAction] = []
            if hasParkedPoll {
                hasParkedPoll = false
                actions.append(.answerParkedPoll([.noop]))
            }
            switch phase {
            case .upgrading: actions.append(.closeProbeWebSocket)
            case .websocket: actions.append(.closeWebSocket)
            default: break
            }
            phase = .closed
            actions.append(.sessionClosed(.transportClose))
            return .perform(actions)
        case .ping, .open, .upgrade, .noop:
            return .none
        }
    }

    /// Bytes on the session's transport could not be decoded: the session closes with "parse error".
    public mutating func protocolViolation() -> [EngineSessionAction] {
        guard phase != .closed else { return [] }
        return close(reason: .parseError)
    }

    // MARK: WebSocket

    /// A WebSocket carrying this session's `sid` completed its opening handshake.
    public mutating func webSocketOpened(now: Int64) -> [EngineSessionAction] {
        guard phase == .polling else { return [.rejectWebSocket] }
        phase = .upgrading(probed: false)
        upgradeDeadline = now + timing.upgradeTimeout
        return [.acceptProbeWebSocket]
    }

    /// A packet arrived on the WebSocket probing an upgrade.
    public mutating func probePacketReceived(_ packet: EnginePacket) -> [EngineSessionAction] {
        guard case .upgrading = phase else { return [] }
        switch packet {
        case .ping(let data) where data.readableBytesView.elementsEqual("probe".utf8):
            phase = .upgrading(probed: true)
            var actions: [EngineSessionAction] = [.writeProbeWebSocket([.control(.pong(data))])]
            if hasParkedPoll {
                hasParkedPoll = false
                actions.append(.answerParkedPoll(queue.isEmpty ? [.noop] : drainQueue()))
            }
            return actions
        case .upgrade:
            var actions: [EngineSessionAction] = []
            if hasParkedPoll {
                hasParkedPoll = false
                actions.append(.answerParkedPoll([.noop]))
            }
            phase = .websocket
            upgradeDeadline = nil
            actions.append(.promoteProbeWebSocket)
            if !queue.isEmpty {
                let packets = Array(queue)
                queue.removeAll()
                queuedBytes = 0
                actions.append(.writeWebSocket(packets))
            }
            return actions
        default:
            phase = .polling
            upgradeDeadline = nil
            return [.closeProbeWebSocket]
        }
    }

    /// The WebSocket probing an upgrade closed (or failed) before the upgrade completed.
    public mutating func probeWebSocketClosed() -> [EngineSessionAction] {
        guard case .upgrading = phase else { return [] }
        phase = .polling
        upgradeDeadline = nil
        return []
    }

    /// The session's WebSocket closed or failed.
    public mutating func webSocketClosed(reason: EngineCloseReason) -> [EngineSessionAction] {
        guard phase == .websocket else { return [] }
        phase = .closed
        return [.sessionClosed(reason)]
    }

    // MARK: Outbound

    /// The layer above sends messages.
    public mutating func send(_ messages: [OutboundEngineMessage]) -> EngineSendAction {
        switch phase {
        case .closed, .closing:
            return .drop
        case .websocket:
            return .writeWebSocket
        case .polling, .upgrading:
            for message in messages { enqueue(.message(message)) }
            if hasParkedPoll {
                hasParkedPoll = false
                return .answerParkedPoll(drainQueue())
            }
            if let hardLimit = timing.outboundHardLimit, queuedBytes > hardLimit {
                return .close(closeWithoutGoodbye(reason: .slowConsumer))
            }
            return .queued
        }
    }

    /// The server closes the session (the layer above, or shutdown): queued packets go first, then the close.
    public mutating func close(reason: EngineCloseReason, now: Int64) -> [EngineSessionAction] {
        switch phase {
        case .closed, .closing:
            return []
        case .websocket:
            phase = .closed
            return [.closeWebSocket, .sessionClosed(reason)]
        case .polling, .upgrading:
            var actions: [EngineSessionAction] = []
            if case .upgrading = phase {
                actions.append(.closeProbeWebSocket)
                upgradeDeadline = nil
            }
            if hasParkedPoll && queue.count < timing.maxPacketsPerPoll {
                hasParkedPoll = false
                var packets = drainQueue()
                packets.append(.close)
                actions.append(.answerParkedPoll(packets))
                phase = .closed
                actions.append(.sessionClosed(reason))
                return actions
            }
            if hasParkedPoll {
                hasParkedPoll = false
                actions.append(.answerParkedPoll(drainQueue()))
            }
            phase = .closing(reason)
            nextPingAt = nil
            pongDeadline = nil
            closingDeadline = now + timing.pingInterval + timing.pingTimeout
            return actions
        }
    }

    /// Ends the session now whatever its phase (server shutdown after the grace period): a parked poll gets
    /// the close packet, WebSockets are closed.
    public mutating func terminate(reason: EngineCloseReason) -> [EngineSessionAction] {
        guard phase != .closed else { return [] }
        if case .closing(let closingReason) = phase {
            phase = .closed
            return [.sessionClosed(closingReason)]
        }
        return close(reason: reason)
    }

    // MARK: Timers

    /// What a heartbeat over WebSocket does: send a `ping`.
    static let webSocketPing: [EngineSessionAction] = [.writeWebSocket([.ping])]

    /// The timer set for ``nextDeadline`` fired (or any time later).
    public mutating func timerFired(now: Int64) -> [EngineSessionAction] {
        if phase == .closed { return [] }
        if let pongDeadline, now >= pongDeadline {
            return close(reason: .pingTimeout)
        }
        if let closingDeadline, now >= closingDeadline, case .closing(let reason) = phase {
            phase = .closed
            return [.sessionClosed(reason)]
        }
        var actions: [EngineSessionAction] = []
        if let upgradeDeadline, now >= upgradeDeadline {
            self.upgradeDeadline = nil
            phase = .polling
            actions.append(.closeProbeWebSocket)
        }
        if let nextPingAt, now >= nextPingAt {
            self.nextPingAt = nil
            pongDeadline = nextPingAt + timing.pingTimeout
            switch phase {
            case .websocket:
                // The common heartbeat: shared storage, no allocation per ping.
                if actions.isEmpty { return Self.webSocketPing }
                actions.append(.writeWebSocket([.ping]))
            case .polling, .upgrading:
                enqueue(.ping)
                if hasParkedPoll {
                    hasParkedPoll = false
                    actions.append(.answerParkedPoll(drainQueue()))
                }
            case .closing, .closed:
                break
            }
        }
        return actions
    }

    // MARK: Helpers

    /// Takes the packets for one polling response: at most `maxPacketsPerPoll`, oldest first.
    private mutating func drainQueue() -> [EngineOutboundPacket] {
        let count = min(queue.count, timing.maxPacketsPerPoll)
        let packets = Array(queue.prefix(count))
        queue.removeFirst(count)
        queuedBytes = queue.isEmpty ? 0 : queuedBytes - packets.reduce(0) { $0 + $1.queuedSize }
        return packets
    }

    private mutating func enqueue(_ packet: EngineOutboundPacket) {
        queue.append(packet)
        queuedBytes += packet.queuedSize
    }

    /// Closes because of an error or timeout: a parked poll gets the close packet, WebSockets are closed.
    private mutating func close(reason: EngineCloseReason) -> [EngineSessionAction] {
        var actions: [EngineSessionAction] = []
        if hasParkedPoll {
            hasParkedPoll = false
            actions.append(.answerParkedPoll([.close]))
        }
        return actions + closeWithoutGoodbye(reason: reason)
    }

    private mutating func closeWithoutGoodbye(reason: EngineCloseReason) -> [EngineSessionAction] {
        var actions: [EngineSessionAction] = []
        switch phase {
        case .upgrading: actions.append(.closeProbeWebSocket)
        case .websocket: actions.append(.closeWebSocket)
        case .polling, .closing, .closed: break
        }
        phase = .closed
        queue.removeAll()
        queuedBytes = 0
        actions.append(.sessionClosed(reason))
        return actions
    }
}

extension EngineOutboundPacket {
    /// What the packet counts towards a session's queued bytes: the payload plus the type byte.
    var queuedSize: Int {
        switch self {
        case .control: 1
        case .message(let message): message.payload.readableBytes + 1
        }
    }
}
