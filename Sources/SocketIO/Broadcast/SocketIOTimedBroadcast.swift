import NIOConcurrencyHelpers
import NIOCore
import SwitchboardJSON

extension SocketIOBroadcastOperator {
    /// A broadcast that waits up to `timeout` for every recipient's acknowledgement.
    public func timeout(_ timeout: TimeAmount) -> SocketIOTimedBroadcast {
        SocketIOTimedBroadcast(operator: self, timeout: timeout)
    }
}

/// A broadcast whose recipients are each expected to acknowledge (`io.to(room).timeout(.seconds(5))`).
///
/// The packet is encoded once with one namespace-wide acknowledgement id. The callback gets the first
/// argument of each client's acknowledgement, in arrival order, once all recipients answered; or
/// ``SocketIOAckError/Code/timeout`` if some did not answer in time.
public struct SocketIOTimedBroadcast: Sendable {
    /// The selection of sockets.
    public let `operator`: SocketIOBroadcastOperator
    /// How long to wait for all acknowledgements.
    public let timeout: TimeAmount

    /// Sends `event` and collects the acknowledgements.
    public func emit(
        _ event: String, _ arguments: JSONValue...,
        ack: @escaping @Sendable (Result<[JSONValue], SocketIOAckError>) -> Void
    ) {
        emit(event, arguments: arguments, ack: ack)
    }

    /// Sends `event` and collects the acknowledgements.
    public func emit(
        _ event: String, arguments: [JSONValue],
        ack: @escaping @Sendable (Result<[JSONValue], SocketIOAckError>) -> Void
    ) {
        guard !SocketIOPacketDecoder.reservedEventNames.contains(event) else {
            ack(.failure(SocketIOAckError(code: .reservedEventName)))
            return
        }
        let namespace = `operator`.namespace
        let ackID = namespace.directory.nextAckID()
        let collector = BroadcastAckCollector(completion: ack)
        let timer = Task {
            try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
            guard collector.expire() else { return }
            for socket in namespace.directory.all {
                socket.runOnLoop { $0.forgetAckOnLoop(id: ackID) }
            }
        }
        collector.setTimer(timer)
        namespace.adapter.broadcastWithAck(
            .event(event, arguments: arguments, namespace: namespace.name, ackID: ackID),
            options: `operator`.options,
            clientCount: { collector.expect($0) },
            ack: { collector.receive($0.first ?? .null) }
        )
    }

    /// Sends `event` and waits for every recipient's acknowledgement (first arguments, arrival order).
    public func emitWithAck(_ event: String, _ arguments: JSONValue...) async throws(SocketIOAckError) -> [JSONValue] {
        let result: Result<[JSONValue], SocketIOAckError> = await withCheckedContinuation { continuation in
            emit(event, arguments: arguments) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }
}

/// Gathers the acknowledgements of one broadcast; completes exactly once.
final class BroadcastAckCollector: Sendable {
    struct State {
        var expected = 0
        /// Servers that have not reported their client count yet (1 for a single server).
        var pendingCounts = 1
        var responses: [JSONValue] = []
        var completion: (@Sendable (Result<[JSONValue], SocketIOAckError>) -> Void)?
        var timer: Task<Void, any Error>?
    }

    private let state: NIOLockedValueBox<State>

    init(completion: @escaping @Sendable (Result<[JSONValue], SocketIOAckError>) -> Void) {
        state = NIOLockedValueBox(State(completion: completion))
    }

    func setTimer(_ timer: Task<Void, any Error>) {
        let cancel = state.withLockedValue { state in
            state.timer = timer
            return state.completion == nil
        }
        if cancel { timer.cancel() }
    }

    func expect(_ count: Int) {
        finishIfComplete { state in
            state.expected += count
            state.pendingCounts -= 1
        }
    }

    func receive(_ response: JSONValue) {
        finishIfComplete { $0.responses.append(response) }
    }

    /// The timeout fired; returns whether it ended the broadcast (false if already complete).
    func expire() -> Bool {
        let completion = state.withLockedValue { state in
            defer { state.completion = nil }
            return state.completion
        }
        completion?(.failure(SocketIOAckError(code: .timeout)))
        return completion != nil
    }

    private func finishIfComplete(_ update: (inout State) -> Void) {
        let finished: (completion: @Sendable (Result<[JSONValue], SocketIOAckError>) -> Void, responses: [JSONValue], timer: Task<Void, any Error>?)? =
            state.withLockedValue { state in
                update(&state)
                guard state.pendingCounts == 0, state.responses.count >= state.expected, let completion = state.completion else {
                    return nil
                }
                state.completion = nil
                return (completion, state.responses, state.timer)
            }
        guard let finished else { return }
        finished.timer?.cancel()
        finished.completion(.success(finished.responses))
    }
}
