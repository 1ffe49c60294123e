import ClusterProtocol
import NIOConcurrencyHelpers
import NIOCore
import RESP
import SwitchboardJSON

/// The requests this node is waiting on, with their timers: a thin shell around the pure
/// ``ClusterRequestBook`` that carries out its actions. Also routes the acknowledgements of this node's
/// acknowledged broadcasts to their callbacks until the broadcast's time limit.
final class ClusterRequests: Sendable {
    /// One node's answer to a request.
    enum Answer: Sendable {
        case count(Int)
        case sockets([ClusterSocketSnapshot])
        case arguments([JSONValue])
    }

    /// Called once with the answers and the number of receiving nodes that did not answer (`nil`: unknown).
    typealias Completion = @Sendable ([Answer], _ missing: Int?) -> Void

    private struct State {
        var book = ClusterRequestBook<Answer>()
        var completions: [UInt64: Completion] = [:]
        var timers: [UInt64: Scheduled<Void>] = [:]
        var ackSinks: [UInt64: @Sendable ([JSONValue]) -> Void] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let eventLoopGroup: any EventLoopGroup

    init(eventLoopGroup: any EventLoopGroup) {
        self.eventLoopGroup = eventLoopGroup
    }

    /// Opens a request that completes after `timeout` at the latest; returns its id.
    func start(timeout: TimeAmount, completion: @escaping Completion) -> UInt64 {
        let id = state.withLockedValue { state in
            let id = state.book.start()
            state.completions[id] = completion
            return id
        }
        let timer = eventLoopGroup.any().scheduleTask(in: timeout) { [self] in
            run(state.withLockedValue { $0.book.deadlinePassed(id) })
        }
        let stillOpen = state.withLockedValue { state in
            guard state.completions[id] != nil else { return false }
            state.timers[id] = timer
            return true
        }
        if !stillOpen { timer.cancel() }
        return id
    }

    /// The `PUBLISH` of request `id` completed: the other receivers are expected to answer.
    func published(_ id: UInt64, reply: Result<RESPValue, any Error>, selfSubscribed: Bool) {
        let action = state.withLockedValue { state -> ClusterRequestBook<Answer>.Action in
            switch reply {
            case .success(.integer(let receivers)):
                return state.book.expect(id, receivers: Int(receivers) - (selfSubscribed ? 1 : 0))
            case .success, .failure:
                return state.book.publishFailed(id)
            }
        }
        run(action)
    }

    /// `node` answered request `id`.
    func receive(_ id: UInt64, from node: ClusterNodeID, _ answer: Answer) {
        run(state.withLockedValue { $0.book.receive(id, from: node, answer) })
    }

    /// Routes the acknowledgements of broadcast request `id` to `sink` for `timeout`.
    func addAckSink(_ id: UInt64, timeout: TimeAmount, _ sink: @escaping @Sendable ([JSONValue]) -> Void) {
        state.withLockedValue { $0.ackSinks[id] = sink }
        eventLoopGroup.any().scheduleTask(in: timeout) { [state] in
            state.withLockedValue { _ = $0.ackSinks.removeValue(forKey: id) }
        }
    }

    /// A remote socket acknowledged broadcast request `id`.
    func ack(_ id: UInt64, arguments: [JSONValue]) {
        let sink = state.withLockedValue { $0.ackSinks[id] }
        sink?(arguments)
    }

    /// The number of requests still waiting (for tests and metrics).
    var pendingCount: Int { state.withLockedValue { $0.book.count } }

    private func run(_ action: ClusterRequestBook<Answer>.Action) {
        switch action {
        case .none:
            return
        case .complete(let id, let responses, let missing):
            let (completion, timer) = state.withLockedValue { state in
                (state.completions.removeValue(forKey: id), state.timers.removeValue(forKey: id))
            }
            timer?.cancel()
            completion?(responses, missing)
        }
    }
}
