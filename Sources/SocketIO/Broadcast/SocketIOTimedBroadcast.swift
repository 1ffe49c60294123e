import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

extension SocketIOBroadcastOperator {
    /// A broadcast that waits up to `timeout` for every recipient's acknowledgement.
    public func timeout(_ timeout: TimeAmount) -> SocketIOTimedBroadcast {
        SocketIOTimedBroadcast(operator: self, timeout: timeout)
    }
}

/// What came back from the recipients of an acknowledged broadcast.
public struct SocketIOBroadcastAcks: Sendable, Hashable {
    /// The arguments of each acknowledgement, in arrival order (one entry per recipient that answered).
    public var responses: [[JSONValue]]
    /// How many recipients the broadcast reached (summed over the servers of a cluster).
    public var expected: Int
    /// Whether the time limit passed before every recipient answered.
    public var timedOut: Bool

    /// Creates a result.
    public init(responses: [[JSONValue]], expected: Int, timedOut: Bool) {
        self.responses = responses
        self.expected = expected
        self.timedOut = timedOut
    }

    /// How many recipients did not answer in time.
    public var missing: Int { max(0, expected - responses.count) }
    /// The error for the recipients that did not answer, if any (``SocketIOAckError/Code/timeout``).
    public var error: SocketIOAckError? { timedOut ? SocketIOAckError(code: .timeout) : nil }
}

/// A broadcast whose recipients are each expected to acknowledge (`io.to(room).timeout(.seconds(5))`).
///
/// The packet is encoded once with one namespace-wide acknowledgement id. The time limit runs on the
/// event loop of a local socket of the namespace. Selection operators (``to(_:)``, ``except(_:)``,
/// ``volatile``, ``compress(_:)``, ``local``) may be chained before or after `timeout`.
public struct SocketIOTimedBroadcast: Sendable {
    /// The selection of sockets.
    public let `operator`: SocketIOBroadcastOperator
    /// How long to wait for all acknowledgements.
    public let timeout: TimeAmount

    /// Creates a timed broadcast over a selection.
    public init(operator: SocketIOBroadcastOperator, timeout: TimeAmount) {
        self.operator = `operator`
        self.timeout = timeout
    }

    /// Adds `room` to the selection.
    public func to(_ room: String) -> SocketIOTimedBroadcast { Self(operator: `operator`.to(room), timeout: timeout) }
    /// Adds `room` to the selection (same as ``to(_:)``).
    public func `in`(_ room: String) -> SocketIOTimedBroadcast { to(room) }
    /// Excludes the members of `room`.
    public func except(_ room: String) -> SocketIOTimedBroadcast {
        Self(operator: `operator`.except(room), timeout: timeout)
    }
    /// Drops the packet for recipients that cannot take it now.
    public var volatile: SocketIOTimedBroadcast { Self(operator: `operator`.volatile, timeout: timeout) }
    /// Only sockets of this process.
    public var local: SocketIOTimedBroadcast { Self(operator: `operator`.local, timeout: timeout) }
    /// Sets whether the transport may compress the packet.
    public func compress(_ compress: Bool) -> SocketIOTimedBroadcast {
        Self(operator: `operator`.compress(compress), timeout: timeout)
    }

    /// Sends `event`; `ack` gets the first argument of every acknowledgement once all recipients
    /// answered, or ``SocketIOAckError/Code/timeout`` if some did not answer in time.
    public func emit(
        _ event: String, _ arguments: JSONValue...,
        ack: @escaping @Sendable (Result<[JSONValue], SocketIOAckError>) -> Void
    ) {
        emit(event, arguments: arguments, ack: ack)
    }

    /// Sends `event`; `ack` gets the first argument of every acknowledgement once all recipients
    /// answered, or ``SocketIOAckError/Code/timeout`` if some did not answer in time.
    public func emit(
        _ event: String, arguments: [JSONValue],
        ack: @escaping @Sendable (Result<[JSONValue], SocketIOAckError>) -> Void
    ) {
        guard !SocketIOPacketDecoder.reservedEventNames.contains(event) else {
            ack(.failure(SocketIOAckError(code: .reservedEventName)))
            return
        }
        emitCollectingAcks(event, arguments: arguments) { acks in
            if let error = acks.error {
                ack(.failure(error))
            } else {
                ack(.success(acks.responses.map { $0.first ?? .null }))
            }
        }
    }

    /// Sends `event` and reports, once every recipient answered or the time limit passed, the
    /// acknowledgements that arrived and how many recipients did not answer.
    public func emitCollectingAcks(
        _ event: String, arguments: [JSONValue], completion: @escaping @Sendable (SocketIOBroadcastAcks) -> Void
    ) {
        guard !SocketIOPacketDecoder.reservedEventNames.contains(event) else {
            // Nothing is sent: clients would drop the connection on a reserved name.
            completion(SocketIOBroadcastAcks(responses: [], expected: 0, timedOut: false))
            return
        }
        let namespace = `operator`.namespace
        let ackID = namespace.directory.nextAckID()
        let collector = BroadcastAckCollector(completion: completion)
        let loop = namespace.directory.anyEventLoop
        let expire: @Sendable () -> Void = {
            guard collector.expire() else { return }
            for socket in namespace.directory.all {
                socket.runOnLoop { $0.forgetAckOnLoop(id: ackID) }
            }
        }
        if let loop {
            let scheduled = loop.scheduleTask(in: timeout, expire)
            collector.setCancel { scheduled.cancel() }
        } else {
            // No event loop in reach (no local socket): only remote recipients can answer.
            let timeout = timeout
            let task = Task {
                try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                expire()
            }
            collector.setCancel { task.cancel() }
        }
        var options = `operator`.options
        options.flags.timeout = timeout
        namespace.adapter.broadcastWithAck(
            .event(event, arguments: arguments, namespace: namespace.name, ackID: ackID),
            options: options,
            clientCount: { collector.expect($0) },
            ack: { collector.receive($0) }
        )
    }

    /// Sends `event` and waits for every recipient's acknowledgement (first arguments, arrival order);
    /// throws ``SocketIOAckError/Code/timeout`` if some recipient did not answer in time.
    public func emitWithAck(_ event: String, _ arguments: JSONValue...) async throws(SocketIOAckError) -> [JSONValue] {
        try await emitWithAck(event, arguments: arguments)
    }

    /// Sends `event` and waits for every recipient's acknowledgement (first arguments, arrival order).
    public func emitWithAck(_ event: String, arguments: [JSONValue]) async throws(SocketIOAckError) -> [JSONValue] {
        let result: Result<[JSONValue], SocketIOAckError> = await withCheckedContinuation { continuation in
            emit(event, arguments: arguments) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Sends `event` and returns what came back: the acknowledgements that arrived in time and how many
    /// recipients did not answer. Never throws: a partial answer is a result.
    public func acknowledgements(_ event: String, arguments: [JSONValue]) async -> SocketIOBroadcastAcks {
        await withCheckedContinuation { continuation in
            emitCollectingAcks(event, arguments: arguments) { continuation.resume(returning: $0) }
        }
    }
}

/// Gathers the acknowledgements of one broadcast; completes exactly once.
final class BroadcastAckCollector: Sendable {
    struct State {
        var expected = 0
        /// Servers that have not reported their client count yet (1 for a single server).
        var pendingCounts = 1
        var responses: [[JSONValue]] = []
        var completion: (@Sendable (SocketIOBroadcastAcks) -> Void)?
        var cancelTimer: (@Sendable () -> Void)?
    }

    private let state: NIOLockedValueBox<State>

    init(completion: @escaping @Sendable (SocketIOBroadcastAcks) -> Void) {
        state = NIOLockedValueBox(State(completion: completion))
    }

    /// Remembers how to stop the timer (stops it at once if the broadcast already completed).
    func setCancel(_ cancel: @escaping @Sendable () -> Void) {
        let alreadyDone = state.withLockedValue { state in
            state.cancelTimer = cancel
            return state.completion == nil
        }
        if alreadyDone { cancel() }
    }

    func expect(_ count: Int) {
        finishIfComplete { state in
            state.expected += count
            state.pendingCounts -= 1
        }
    }

    func receive(_ response: [JSONValue]) {
        finishIfComplete { $0.responses.append(response) }
    }

    /// The timeout fired; returns whether it ended the broadcast (false if already complete).
    func expire() -> Bool {
        let finished: (@Sendable (SocketIOBroadcastAcks) -> Void, SocketIOBroadcastAcks)? = state.withLockedValue { state in
            guard let completion = state.completion else { return nil }
            state.completion = nil
            return (completion, SocketIOBroadcastAcks(responses: state.responses, expected: state.expected, timedOut: true))
        }
        guard let finished else { return false }
        finished.0(finished.1)
        return true
    }

    private func finishIfComplete(_ update: (inout State) -> Void) {
        let finished: (@Sendable (SocketIOBroadcastAcks) -> Void, SocketIOBroadcastAcks, (@Sendable () -> Void)?)? =
            state.withLockedValue { state in
                update(&state)
                guard state.pendingCounts == 0, state.responses.count >= state.expected, let completion = state.completion else {
                    return nil
                }
                state.completion = nil
                let acks = SocketIOBroadcastAcks(responses: state.responses, expected: state.expected, timedOut: false)
                return (completion, acks, state.cancelTimer)
            }
        guard let finished else { return }
        finished.2?()
        finished.0(finished.1)
    }
}
