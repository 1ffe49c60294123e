import NIOCore
import SocketIO
import SwitchboardJSON

/// One namespace of a Socket.IO client, with no I/O: `CONNECT` with auth, `CONNECT_ERROR`, the offline
/// buffer, acknowledgement ids and their deadlines, at-least-once retries and connection state recovery.
///
/// Every event is a `mutating func` that returns the actions to carry out, in order; the clock is passed in.
struct NamespaceSocketStateMachine: Sendable {
    /// Where the namespace connection is.
    enum State: Sendable, Hashable {
        /// Not connected and not wanted (never opened, closed by the app, refused or kicked by the server).
        case idle
        /// Wanted; waiting for the engine connection to open.
        case awaitingEngine
        /// `CONNECT` sent; waiting for the server's answer.
        case connecting
        /// Connected with this socket id.
        case connected(sid: String)
    }

    /// What the I/O layer must do.
    enum Action: Sendable, Equatable {
        /// Encode and send this packet over the engine connection.
        case send(SocketIOPacket)
        /// Report `connect`.
        case reportConnect
        /// Report `connect_error` with the server's payload (`{"message":…,"data":…}`).
        case reportConnectError(JSONValue)
        /// Report `disconnect` with the reason (`io server disconnect`, `io client disconnect`, `transport close`…).
        case reportDisconnect(String)
        /// Hand an event to the application; answer with an `ACK` carrying `ackID` when it is set.
        case deliverEvent(name: String, arguments: [JSONValue], ackID: Int?)
        /// The server acknowledged emit `id`.
        case resolveAck(id: Int, arguments: [JSONValue])
        /// Emit `id` got no acknowledgement: timed out, or its last retry failed, or the socket disconnected.
        case failAck(id: Int, reason: AckFailure)
    }

    /// Why an acknowledgement will not come.
    enum AckFailure: String, Sendable, Hashable {
        /// The deadline passed (after the last retry, when retrying).
        case timedOut = "operation has timed out"
        /// The socket disconnected before the answer (emits without retries only).
        case disconnected = "socket has been disconnected"
    }

    /// How an emit should travel.
    struct EmitOptions: Sendable, Hashable {
        /// Dropped unless connected right now (no offline buffer).
        var isVolatile = false
        /// Ask the server for an acknowledgement.
        var wantsAck = false
        /// The acknowledgement deadline, if any.
        var timeout: TimeAmount?
    }

    /// An emit waiting for, or travelling under, at-least-once delivery.
    struct RetriedEmit: Sendable, Hashable {
        var packet: SocketIOPacket
        var tries: Int
        var inFlight: Bool
    }

    let namespace: String
    /// The `auth` payload sent in every `CONNECT` (an object, or `nil`).
    var auth: JSONObject?
    /// How often a timed-out emit is sent again (0: at most once, no queue).
    let retries: Int
    /// The acknowledgement timeout applied to every emit when retrying, or by default.
    let ackTimeout: TimeAmount?

    private(set) var state: State = .idle
    private(set) var nextAckID = 0
    /// The private session id the server gave for connection state recovery.
    private(set) var pid: String?
    /// The offset of the last event received (its last string argument), for recovery.
    private(set) var lastOffset: String?
    /// Whether the last connection recovered the previous session.
    private(set) var recovered = false
    private(set) var offlineBuffer: [SocketIOPacket] = []
    /// Events that arrived after `CONNECT` was sent and before its answer (a recovering server sends the
    /// missed events first), delivered on connection.
    private(set) var receiveBuffer: [SocketIOPacket] = []
    private(set) var pendingAcks: [Int: NIODeadline?] = [:]
    private(set) var retryQueue: [RetriedEmit] = []

    init(namespace: String, auth: JSONObject? = nil, retries: Int = 0, ackTimeout: TimeAmount? = nil) {
        self.namespace = namespace
        self.auth = auth
        self.retries = max(0, retries)
        self.ackTimeout = ackTimeout
    }

    var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }

    /// The socket id while connected.
    var sid: String? {
        if case .connected(let sid) = state { return sid }
        return nil
    }

    /// The earliest acknowledgement deadline, for the I/O layer's timer.
    var nextDeadline: NIODeadline? {
        pendingAcks.values.compactMap { $0 }.min()
    }

    // MARK: Connection events

    /// The application calls `connect()`; `engineOpen` tells whether the engine connection is open.
    mutating func open(engineOpen: Bool) -> [Action] {
        guard case .idle = state else { return [] }
        state = .awaitingEngine
        return engineOpen ? engineOpened() : []
    }

    /// The engine connection is open: send `CONNECT` if this namespace wants a connection.
    mutating func engineOpened() -> [Action] {
        guard case .awaitingEngine = state else { return [] }
        state = .connecting
        var payload = JSONObject()
        if let pid {
            payload["pid"] = .string(pid)
            payload["offset"] = lastOffset.map(JSONValue.string) ?? .null
        }
        for (key, value) in auth ?? JSONObject() where payload[key] == nil {
            payload[key] = value
        }
        let data: JSONValue? = payload.isEmpty ? nil : .object(payload)
        return [.send(SocketIOPacket(type: .connect, namespace: namespace, data: data))]
    }

    /// The engine connection closed with `reason`; the namespace reconnects when the engine does.
    mutating func engineClosed(reason: String) -> [Action] {
        switch state {
        case .idle, .awaitingEngine:
            return []
        case .connecting:
            state = .awaitingEngine
            receiveBuffer = []
            return []
        case .connected:
            state = .awaitingEngine
            return [.reportDisconnect(reason)] + failAcksOnDisconnect()
        }
    }

    /// The application calls `disconnect()`.
    mutating func close() -> [Action] {
        switch state {
        case .idle:
            return []
        case .awaitingEngine, .connecting:
            state = .idle
            receiveBuffer = []
            return []
        case .connected:
            state = .idle
            return [
                .send(SocketIOPacket(type: .disconnect, namespace: namespace)),
                .reportDisconnect("io client disconnect"),
            ] + failAcksOnDisconnect()
        }
    }

    // MARK: Packets from the server

    /// A packet for this namespace arrived.
    mutating func received(_ packet: SocketIOPacket, now: NIODeadline) -> [Action] {
        switch packet.type {
        case .connect:
            guard case .connecting = state else { return [] }
            guard let sid = packet.data?["sid"]?.stringValue else {
                state = .idle
                return [.reportConnectError(["message": "invalid CONNECT packet"])]
            }
            let newPid = packet.data?["pid"]?.stringValue
            recovered = newPid != nil && newPid == pid
            if newPid != pid { lastOffset = nil }
            pid = newPid
            state = .connected(sid: sid)
            // As socket.io-client: the buffered (missed) events first, then `connect`.
            var actions: [Action] = receiveBuffer.compactMap { deliver($0) }
            receiveBuffer = []
            actions.append(.reportConnect)
            for buffered in offlineBuffer {
                actions.append(.send(buffered))
            }
            offlineBuffer = []
            actions += sendQueueHead(now: now)
            return actions
        case .connectError:
            guard case .connecting = state else { return [] }
            state = .idle
            receiveBuffer = []
            let payload = packet.data ?? ["message": "connection refused"]
            return [.reportConnectError(payload)]
        case .disconnect:
            guard case .connected = state else { return [] }
            state = .idle
            return [.reportDisconnect("io server disconnect")] + failAcksOnDisconnect()
        case .event, .binaryEvent:
            switch state {
            case .connected:
                return deliver(packet).map { [$0] } ?? []
            case .connecting:
                receiveBuffer.append(packet)
                return []
            case .idle, .awaitingEngine:
                return []
            }
        case .ack, .binaryAck:
            guard let id = packet.ackID, pendingAcks.removeValue(forKey: id) != nil else { return [] }
            let arguments = packet.data?.arrayValue ?? []
            if let head = retryQueue.first, head.packet.ackID == id {
                retryQueue.removeFirst()
                return [.resolveAck(id: id, arguments: arguments)] + sendQueueHead(now: now)
            }
            return [.resolveAck(id: id, arguments: arguments)]
        }
    }

    /// The event in `packet` for the application; records its offset (the last string argument) for recovery.
    private mutating func deliver(_ packet: SocketIOPacket) -> Action? {
        guard let array = packet.data?.arrayValue, let name = array.first?.stringValue else { return nil }
        let arguments = Array(array.dropFirst())
        if pid != nil, let offset = arguments.last?.stringValue {
            lastOffset = offset
        }
        return .deliverEvent(name: name, arguments: arguments, ackID: packet.ackID)
    }

    // MARK: Emits

    /// The application emits `event`; returns the ack id given to it (when an ack is wanted) and the actions.
    mutating func emit(
        _ event: String, arguments: [JSONValue], options: EmitOptions, now: NIODeadline
    ) -> (ackID: Int?, actions: [Action]) {
        var packet = SocketIOPacket.event(event, arguments: arguments, namespace: namespace)
        if options.isVolatile {
            guard isConnected else { return (nil, []) }
            if options.wantsAck { packet.ackID = takeAckID(deadline: options.timeout.map { now + $0 }) }
            return (packet.ackID, [.send(packet)])
        }
        if retries > 0 {
            let id = takeAckID(deadline: nil)
            packet.ackID = id
            retryQueue.append(RetriedEmit(packet: packet, tries: 0, inFlight: false))
            return (id, retryQueue.count == 1 ? sendQueueHead(now: now) : [])
        }
        let timeout = options.timeout ?? (options.wantsAck ? ackTimeout : nil)
        if options.wantsAck { packet.ackID = takeAckID(deadline: timeout.map { now + $0 }) }
        guard isConnected else {
            offlineBuffer.append(packet)
            return (packet.ackID, [])
        }
        return (packet.ackID, [.send(packet)])
    }

    /// The clock moved: fail or retry emits whose deadline passed.
    mutating func checkDeadlines(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        let expired = pendingAcks.compactMap { id, deadline in deadline.flatMap { $0 <= now ? id : nil } }.sorted()
        for id in expired {
            if let head = retryQueue.first, head.packet.ackID == id {
                if head.tries > retries {
                    pendingAcks[id] = nil
                    retryQueue.removeFirst()
                    actions.append(.failAck(id: id, reason: .timedOut))
                    actions += sendQueueHead(now: now)
                } else {
                    retryQueue[0].inFlight = false
                    actions += sendQueueHead(now: now)
                }
            } else {
                pendingAcks[id] = nil
                if let index = offlineBuffer.firstIndex(where: { $0.ackID == id }) {
                    offlineBuffer.remove(at: index)
                }
                actions.append(.failAck(id: id, reason: .timedOut))
            }
        }
        return actions
    }

    // MARK: Helpers

    private mutating func takeAckID(deadline: NIODeadline?) -> Int {
        let id = nextAckID
        nextAckID = nextAckID == Int(Int32.max) ? 0 : nextAckID + 1
        pendingAcks[id] = .some(deadline)
        return id
    }

    /// Sends the head of the retry queue (same packet, same ack id every time) when connected and idle.
    private mutating func sendQueueHead(now: NIODeadline) -> [Action] {
        guard isConnected, var head = retryQueue.first, !head.inFlight, let id = head.packet.ackID else { return [] }
        head.tries += 1
        head.inFlight = true
        retryQueue[0] = head
        pendingAcks[id] = .some(ackTimeout.map { now + $0 })
        return [.send(head.packet)]
    }

    /// On disconnection: emits already sent without retries cannot be answered any more; retried emits
    /// go out again after the reconnection; emits still in the offline buffer wait for it.
    private mutating func failAcksOnDisconnect() -> [Action] {
        if !retryQueue.isEmpty { retryQueue[0].inFlight = false }
        let keep = Set(retryQueue.compactMap(\.packet.ackID)).union(offlineBuffer.compactMap(\.ackID))
        let lost = pendingAcks.keys.filter { !keep.contains($0) }.sorted()
        var actions: [Action] = []
        for id in lost {
            pendingAcks[id] = nil
            actions.append(.failAck(id: id, reason: .disconnected))
        }
        return actions
    }
}
