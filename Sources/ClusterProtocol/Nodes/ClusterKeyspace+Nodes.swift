extension ClusterKeyspace {
    /// A node's heartbeat key: present while the node is alive (it refreshes the key's time to live).
    public func nodeHeartbeatKey(_ node: ClusterNodeID) -> String { prefix + "-alive#" + node.rawValue }

    /// The set of node ids that joined the cluster and have not been cleaned up yet.
    public var nodesKey: String { prefix + "-nodes" }

    /// The lock a node takes to clean up after a dead node (only one node does it).
    public func nodeCleanupKey(_ node: ClusterNodeID) -> String { prefix + "-cleanup#" + node.rawValue }
}
