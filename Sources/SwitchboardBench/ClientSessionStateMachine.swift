import NIOCore

/// The life of one bench client on one WebSocket: HTTP upgrade, Engine.IO open, Socket.IO connect
/// to `/`, then the scenario. Pure: each event returns what the handler must do.
struct ClientSessionStateMachine: Sendable {
    enum State: Hashable, Sendable {
        case upgrading
        case awaitingOpen
        case awaitingConnect
        case connected
        case closed
    }

    /// What the connection handler does next.
    enum Action: Hashable, Sendable {
        /// Nothing to do.
        case none
        /// Send the Socket.IO connect `40`.
        case sendConnect
        /// Answer a heartbeat with `3<data>`.
        case sendPong(ByteBuffer)
        /// The socket is connected: start the scenario.
        case connected
        /// Hand an event to the scenario.
        case deliverEvent(ackID: UInt64?, arguments: ByteBuffer)
        /// Hand an acknowledgement to the scenario.
        case deliverAck(id: UInt64, arguments: ByteBuffer)
        /// Close the connection, counting it as a failure.
        case fail(BenchError)
        /// Close the connection; the server ended it.
        case closeByServer
    }

    private(set) var state: State = .upgrading

    /// The WebSocket upgrade succeeded.
    mutating func upgraded() -> Action {
        guard state == .upgrading else { return fail(BenchError(.badPacket, "upgrade completed twice")) }
        state = .awaitingOpen
        return .none
    }

    /// A text message arrived.
    mutating func received(_ packet: InboundPacket) -> Action {
        switch (state, packet) {
        case (.closed, _):
            return .none
        case (.upgrading, _):
            return fail(BenchError(.badPacket, "packet before the upgrade completed"))
        case (_, .ping(let data)):
            return .sendPong(data)
        case (_, .pong), (_, .noop):
            return .none
        case (_, .close):
            state = .closed
            return .closeByServer
        case (.awaitingOpen, .open):
            state = .awaitingConnect
            return .sendConnect
        case (.awaitingOpen, _):
            return fail(BenchError(.badPacket, "expected the Engine.IO open packet"))
        case (.awaitingConnect, .connect):
            state = .connected
            return .connected
        case (.awaitingConnect, .connectError):
            return fail(BenchError(.connectRefused, "CONNECT_ERROR from the server"))
        case (.awaitingConnect, _):
            return fail(BenchError(.badPacket, "expected the Socket.IO connect acknowledgement"))
        case (.connected, .event(let id, let arguments)):
            return .deliverEvent(ackID: id, arguments: arguments)
        case (.connected, .ack(let id, let arguments)):
            return .deliverAck(id: id, arguments: arguments)
        case (.connected, .disconnect):
            state = .closed
            return .closeByServer
        case (.connected, .open), (.connected, .connect), (.connected, .connectError), (.connected, .binary):
            return fail(BenchError(.badPacket, "unexpected packet on a connected socket"))
        }
    }

    /// The transport closed or failed.
    mutating func closed() {
        state = .closed
    }

    private mutating func fail(_ error: BenchError) -> Action {
        state = .closed
        return .fail(error)
    }
}
