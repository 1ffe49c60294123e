/// When the client reconnects, with no I/O: counts attempts, asks for backoff delays and reports the
/// `reconnect_*` events in the order the Socket.IO client API defines them.
struct ReconnectionStateMachine: Sendable {
    /// Where the manager's connection is.
    enum State: Sendable, Hashable {
        /// No connection and none wanted.
        case idle
        /// The first connection is being opened.
        case connecting
        /// Connected.
        case connected
        /// Waiting `attempt`'s delay before reconnecting.
        case waiting(attempt: Int)
        /// Reconnection attempt `attempt` is under way.
        case reconnecting(attempt: Int)
    }

    /// What the I/O layer must do.
    enum Action: Sendable, Equatable {
        /// Open the engine connection now.
        case openConnection
        /// Call ``delayElapsed()`` after this many milliseconds.
        case scheduleAttempt(afterMilliseconds: Int64)
        /// Report `reconnect_attempt` with the attempt number, then open the engine connection.
        case attempt(Int)
        /// Report `reconnect_error`.
        case reportReconnectError
        /// Report `reconnect` with the number of attempts it took.
        case reportReconnected(attempts: Int)
        /// Report `reconnect_failed`: no attempts left.
        case reportReconnectFailed
    }

    private(set) var state: State = .idle
    /// Whether to reconnect at all.
    let reconnectionEnabled: Bool
    /// The most attempts, `nil` for unlimited.
    let maximumAttempts: Int?
    private(set) var backoff: ReconnectionBackoff

    init(reconnectionEnabled: Bool, maximumAttempts: Int?, backoff: ReconnectionBackoff) {
        self.reconnectionEnabled = reconnectionEnabled
        self.maximumAttempts = maximumAttempts
        self.backoff = backoff
    }

    /// The application wants a connection.
    mutating func open() -> [Action] {
        guard case .idle = state else { return [] }
        state = .connecting
        return [.openConnection]
    }

    /// The engine connection opened.
    mutating func connectionOpened() -> [Action] {
        switch state {
        case .connecting:
            state = .connected
            return []
        case .reconnecting(let attempt):
            state = .connected
            backoff.reset()
            return [.reportReconnected(attempts: attempt)]
        case .idle, .connected, .waiting:
            return []
        }
    }

    /// The engine connection failed to open or was lost.
    mutating func connectionLost(random: inout some RandomNumberGenerator) -> [Action] {
        switch state {
        case .idle, .waiting:
            return []
        case .connecting, .connected:
            return scheduleNext(random: &random)
        case .reconnecting:
            return [.reportReconnectError] + scheduleNext(random: &random)
        }
    }

    /// The scheduled delay elapsed.
    mutating func delayElapsed() -> [Action] {
        guard case .waiting(let attempt) = state else { return [] }
        state = .reconnecting(attempt: attempt)
        return [.attempt(attempt)]
    }

    /// The application closed the connection: no more reconnection.
    mutating func close() {
        state = .idle
        backoff.reset()
    }

    private mutating func scheduleNext(random: inout some RandomNumberGenerator) -> [Action] {
        guard reconnectionEnabled else {
            state = .idle
            return []
        }
        let attempt = backoff.attempts + 1
        if let maximumAttempts, attempt > maximumAttempts {
            state = .idle
            backoff.reset()
            return [.reportReconnectFailed]
        }
        state = .waiting(attempt: attempt)
        return [.scheduleAttempt(afterMilliseconds: backoff.nextDelayMilliseconds(using: &random))]
    }
}
