/// Node liveness, from one node's point of view: each node refreshes its heartbeat key with a time to
/// live; a node that is still registered as a member but whose key has expired is dead, and its
/// sessions must be cleaned up cluster-wide (by whichever node claims the cleanup first).
///
/// Pure: the I/O layer reports each observation (the registered members and which of them have a live
/// heartbeat key) and carries out the actions.
public struct NodeLivenessStateMachine: Sendable {
    /// What the I/O layer must do after an observation.
    public enum Action: Sendable, Equatable {
        /// A node appeared (its key is live): e.g. log it.
        case nodeJoined(ClusterNodeID)
        /// A node's heartbeat expired: try to claim its cleanup, then remove its sessions and membership.
        case nodeDied(ClusterNodeID)
        /// Our own heartbeat key was missing (we stalled for longer than its time to live, and others
        /// may have cleaned up our sessions): refresh it and register our sessions again.
        case reregisterSelf
    }

    /// This node.
    public let selfID: ClusterNodeID
    private var known: Set<ClusterNodeID> = []
    private var dead: Set<ClusterNodeID> = []

    /// Creates the machine for node `selfID`.
    public init(selfID: ClusterNodeID) {
        self.selfID = selfID
    }

    /// The other nodes currently believed alive.
    public var liveNodes: Set<ClusterNodeID> { known }

    /// One observation: `members` are the nodes registered in the cluster, `alive` those of them whose
    /// heartbeat key exists. Returns joins first, then deaths (each reported once), in id order; a node
    /// seen alive before and missing now is dead even when it is no longer a member.
    public mutating func observed(members: Set<ClusterNodeID>, alive: Set<ClusterNodeID>) -> [Action] {
        var actions: [Action] = []
        if !alive.contains(selfID) { actions.append(.reregisterSelf) }
        for node in alive.subtracting([selfID]).sorted(by: { $0.rawValue < $1.rawValue }) where !known.contains(node) {
            known.insert(node)
            dead.remove(node)
            actions.append(.nodeJoined(node))
        }
        // A node we saw alive counts too, even if another node already removed its membership.
        let expired = members.union(known).subtracting(alive).subtracting([selfID])
        for node in expired.sorted(by: { $0.rawValue < $1.rawValue }) where !dead.contains(node) {
            known.remove(node)
            dead.insert(node)
            actions.append(.nodeDied(node))
        }
        // A dead node that is no longer a member has been cleaned up: forget it.
        dead.formIntersection(members)
        return actions
    }
}
