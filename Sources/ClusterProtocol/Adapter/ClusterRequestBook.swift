/// The requests one node sent to the other nodes and is still waiting on (pure bookkeeping: no I/O, no
/// clock; the caller reports the publish result, the answers and the deadline).
///
/// A request is complete when as many nodes answered as received it (the `PUBLISH` reply, minus the
/// sender itself), or when its deadline passes, whichever comes first. Answers may arrive before the
/// number of receivers is known; a node's second answer to the same request is ignored; anything about
/// an unknown (finished) request is ignored.
public struct ClusterRequestBook<Response: Sendable>: Sendable {
    struct Pending: Sendable {
        var expected: Int?
        var responders: Set<ClusterNodeID> = []
        var responses: [Response] = []
    }

    /// What the caller must do after an event.
    public enum Action: Sendable {
        /// Nothing yet.
        case none
        /// The request is finished: hand `responses` to its caller and cancel its timer. `missing` is
        /// how many receiving nodes did not answer (`nil` if the number of receivers never became known).
        case complete(id: UInt64, responses: [Response], missing: Int?)
    }

    private var pending: [UInt64: Pending] = [:]
    private var nextID: UInt64 = 1

    /// Creates an empty book.
    public init() {}

    /// The number of requests still waiting.
    public var count: Int { pending.count }

    /// Whether request `id` is still waiting.
    public func isPending(_ id: UInt64) -> Bool { pending[id] != nil }

    /// Opens a request and returns its id (unique on this node).
    public mutating func start() -> UInt64 {
        let id = nextID
        nextID &+= 1
        pending[id] = Pending()
        return id
    }

    /// The request reached `receivers` other nodes (zero completes it at once).
    public mutating func expect(_ id: UInt64, receivers: Int) -> Action {
        guard var request = pending[id] else { return .none }
        request.expected = max(0, receivers)
        return settle(id, request)
    }

    /// `node` answered request `id` with `response`.
    public mutating func receive(_ id: UInt64, from node: ClusterNodeID, _ response: Response) -> Action {
        guard var request = pending[id], request.responders.insert(node).inserted else { return .none }
        request.responses.append(response)
        return settle(id, request)
    }

    /// The request's deadline passed: it completes with the answers so far.
    public mutating func deadlinePassed(_ id: UInt64) -> Action {
        guard let request = pending.removeValue(forKey: id) else { return .none }
        let missing = request.expected.map { max(0, $0 - request.responders.count) }
        return .complete(id: id, responses: request.responses, missing: missing)
    }

    /// Publishing the request failed: it completes at once with the answers so far and an unknown
    /// number of missing nodes.
    public mutating func publishFailed(_ id: UInt64) -> Action {
        guard let request = pending.removeValue(forKey: id) else { return .none }
        return .complete(id: id, responses: request.responses, missing: nil)
    }

    private mutating func settle(_ id: UInt64, _ request: Pending) -> Action {
        if let expected = request.expected, request.responders.count >= expected {
            pending[id] = nil
            return .complete(id: id, responses: request.responses, missing: 0)
        }
        pending[id] = request
        return .none
    }
}
