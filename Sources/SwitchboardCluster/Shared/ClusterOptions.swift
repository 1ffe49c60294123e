import ClusterProtocol
import Metrics
import NIOCore

/// How a node takes part in a cluster.
public struct ClusterOptions: Sendable {
    /// The prefix of every Redis channel and key (default `switchboard`); nodes of one cluster share it.
    public var keyspace: ClusterKeyspace
    /// How long a cluster-wide request (`fetchSockets`, `serverSideEmitWithAck`) waits for the other
    /// nodes' answers (default 5 s).
    public var requestTimeout: TimeAmount
    /// How many recent events each namespace's recovery stream keeps, approximately (`XADD MAXLEN ~`;
    /// default 10 000).
    public var recoveryStreamMaxLength: Int
    /// This node's id (default: a new random one).
    public var nodeID: ClusterNodeID
    /// Where the node's metrics go (`switchboard_cluster_pubsub_reconnects_total`); `nil` (the default)
    /// means the bootstrapped `MetricsSystem.factory`.
    public var metricsFactory: (any MetricsFactory)?

    /// Creates options; every argument has a default.
    public init(
        keyspace: ClusterKeyspace = ClusterKeyspace(), requestTimeout: TimeAmount = .seconds(5),
        recoveryStreamMaxLength: Int = 10_000, nodeID: ClusterNodeID = .random(),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.keyspace = keyspace
        self.requestTimeout = requestTimeout
        self.recoveryStreamMaxLength = recoveryStreamMaxLength
        self.nodeID = nodeID
        self.metricsFactory = metricsFactory
    }
}

/// A cluster-wide request that did not get every answer.
public struct ClusterRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: Base
        enum Base: String, Sendable, Hashable { case timeout, publishFailed }

        /// Some nodes did not answer within the request timeout.
        public static let timeout = Code(base: .timeout)
        /// The request could not be published (Redis unreachable).
        public static let publishFailed = Code(base: .publishFailed)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// How many nodes that received the request did not answer.
    public var missingNodes: Int
    /// Details for logs.
    public var message: String

    /// Creates an error.
    public init(code: Code, missingNodes: Int, message: String) {
        self.code = code
        self.missingNodes = missingNodes
        self.message = message
    }

    /// `ClusterRequestError(code): message`.
    public var description: String { "ClusterRequestError(\(code)): \(message)" }
}
