extension ClusterKeyspace {
    /// The registry entry of one Engine.IO session: a string holding the owner's node id, with a time
    /// to live the owner refreshes.
    public func engineSessionKey(_ sid: String) -> String { prefix + "-sid#" + sid }

    /// The set of session ids a node registered, so that others can remove them when it dies.
    public func nodeSessionsKey(_ node: ClusterNodeID) -> String { prefix + "-node-sids#" + node.rawValue }

    /// Where forwarded session requests for `node`, and the answers to its own forwards, are published.
    public func sessionForwardingChannel(_ node: ClusterNodeID) -> String { prefix + "-fwd#" + node.rawValue + "#" }
}
