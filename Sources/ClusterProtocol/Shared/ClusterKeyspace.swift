/// Names of the Redis channels, keys and streams a cluster uses, all under one prefix so several
/// clusters (or tests) can share a Redis server.
///
/// Channels look like `P#/chat#` (a namespace) and `P#/chat#lobby#` (a room); room names may contain
/// any character, namespace names must not contain `#` for the names to stay unambiguous.
public struct ClusterKeyspace: Sendable, Hashable {
    /// The prefix of every name (default `switchboard`).
    public var prefix: String

    /// Creates a keyspace under `prefix`.
    public init(prefix: String = "switchboard") {
        self.prefix = prefix
    }

    /// Where broadcasts to a whole namespace and cluster-wide requests of that namespace go; every
    /// node subscribes to it for every namespace it serves.
    public func namespaceChannel(_ namespace: String) -> String { prefix + "#" + namespace + "#" }

    /// Where broadcasts to one room go; only nodes with a local member of the room subscribe to it.
    public func roomChannel(namespace: String, room: String) -> String {
        prefix + "#" + namespace + "#" + room + "#"
    }

    /// Where the answers to one node's requests go (each node subscribes to its own).
    public func nodeChannel(_ node: ClusterNodeID) -> String { prefix + "-node#" + node.rawValue + "#" }

    /// The key of a disconnected session kept for recovery.
    public func sessionKey(namespace: String, pid: String) -> String {
        prefix + "-session#" + namespace + "#" + pid
    }

    /// The key of a connected session kept for recovery, so another node can recover it if the node
    /// serving it dies (expires unless that node refreshes it).
    public func liveSessionKey(namespace: String, pid: String) -> String {
        prefix + "-live#" + namespace + "#" + pid
    }

    /// The stream of recent events of a namespace, replayed to recovering sessions.
    public func packetStream(namespace: String) -> String { prefix + "-packets#" + namespace }
}
