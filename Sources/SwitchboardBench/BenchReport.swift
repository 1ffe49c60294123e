/// The JSON result printed on stdout (`--json`). Keys are stable; absent sections are omitted.
///
/// ```text
/// {
///   "scenario":        "connect" | "echo" | "fanout",
///   "target":          "127.0.0.1:3000",
///   "threads":         Int,                       client event loops
///   "windowSeconds":   Double,                    length of the measured window
///   "connections": {
///     "requested": Int, "connected": Int, "failed": Int, "closedByServer": Int,
///     "rampSeconds": Double,                      first connect to last socket connected
///     "connectsPerSecond": Double,                connected / rampSeconds
///     "handshakeLatencyMicros": Latency           TCP connect → Socket.IO connected
///   },
///   "echo":   { "inflightPerClient": Int, "payloadBytes": Int, "ratePerClient": Double, "sent": Int, "acks": Int,
///               "acksPerSecond": Double, "mismatches": Int },                 (echo only)
///   "fanout": { "senders": Int, "targetRate": Double, "roomSize": Int, "sent": Int,
///               "expectedDeliveries": Int, "delivered": Int, "deliveryRatio": Double,
///               "achievedRate": Double, "senderStalls": Int,
///               "deliveriesPerSecond": Double, "orderViolations": Int,
///               "orderViolationsPerSender": [Int], "unexpectedEvents": Int }  (fanout only)
///   "idle":   { "holdSeconds": Double, "pings": Int, "pingsPerSecond": Double } (connect only)
///   "latencyMicros": Latency,                     echo round trip / fan-out end to end
///   "server": {                                   only with --server-pid
///     "pid": Int, "cpuMicros": Int,               utime+stime over the window
///     "cpuMicrosPerMessage": Double,              per ack / per delivery / per ping-pong
///     "rssBeforeBytes": Int, "rssAfterBytes": Int, "rssDeltaBytes": Int,
///     "rssPerConnectionBytes": Double             connect only: (RSS after ramp − RSS before) / connected;
///                                                 absent with --server-pid auto (no baseline)
///   },
///   "client": { "cpuMicros": Int, "cpuMicrosPerMessage": Double, "utilization": Double },
///                                                 this bench process over the same window
///                                                 (utilization 1.0 = one core busy); near
///                                                 --threads means the client was the bottleneck
///   "serverReported": { "rss": Int, "clients": Int, "pid": Int },   the server's `stats` ack at
///                                                 the end of the run, before the bench disconnects
///   "errors": { "<reason>": Int }
/// }
/// Latency = { "count", "min", "mean", "p50", "p90", "p99", "p999", "max" } in microseconds.
/// Rates and ratios are rounded to 3 decimals.
/// ```
public struct BenchReport: Codable, Sendable {
    /// Connection figures.
    public struct Connections: Codable, Sendable {
        /// Sockets the run asked for.
        public var requested: Int
        /// Sockets that reached Socket.IO connected.
        public var connected: UInt64
        /// Sockets that failed.
        public var failed: UInt64
        /// Connected sockets the server closed.
        public var closedByServer: UInt64
        /// Seconds from the first connect to the last socket connected (or the ramp timeout).
        public var rampSeconds: Double
        /// `connected / rampSeconds`.
        public var connectsPerSecond: Double
        /// TCP connect to Socket.IO connected, µs.
        public var handshakeLatencyMicros: LatencySummary
    }

    /// Echo figures.
    public struct Echo: Codable, Sendable {
        /// Emits each client keeps in flight.
        public var inflightPerClient: Int
        /// Characters per echo payload.
        public var payloadBytes: Int
        /// Emits per second per client (`--rate`); 0 for the closed loop.
        public var ratePerClient: Double
        /// Emits sent.
        public var sent: UInt64
        /// Acks received in the window.
        public var acks: UInt64
        /// `acks / windowSeconds`.
        public var acksPerSecond: Double
        /// Acks with the wrong id or payload.
        public var mismatches: UInt64
    }

    /// Fan-out figures.
    public struct Fanout: Codable, Sendable {
        /// Sending clients.
        public var senders: Int
        /// Requested messages per second, all senders.
        public var targetRate: Double
        /// Clients in the room.
        public var roomSize: UInt64
        /// Messages sent.
        public var sent: UInt64
        /// `sent / windowSeconds`: below `targetRate` when the server pushed back.
        public var achievedRate: Double
        /// Sender ticks skipped because the socket was not writable (the server fell behind).
        public var senderStalls: UInt64
        /// `sent × roomSize`.
        public var expectedDeliveries: UInt64
        /// Deliveries received (window plus drain).
        public var delivered: UInt64
        /// `delivered / expectedDeliveries`.
        public var deliveryRatio: Double
        /// `delivered / windowSeconds`.
        public var deliveriesPerSecond: Double
        /// Deliveries whose sequence number was not above the last one from the same sender.
        public var orderViolations: UInt64
        /// ``orderViolations`` split by sender.
        public var orderViolationsPerSender: [UInt64]
        /// Events that were not a well-formed `bcast`.
        public var unexpectedEvents: UInt64
    }

    /// Idle-hold figures.
    public struct Idle: Codable, Sendable {
        /// Seconds held.
        public var holdSeconds: Double
        /// Engine.IO pings answered during the hold.
        public var pings: UInt64
        /// `pings / holdSeconds`.
        public var pingsPerSecond: Double
        /// Server CPU time spent during the ramp per connected socket (WebSocket handshake, Engine.IO and
        /// Socket.IO connect), µs; `nil` without a server pid.
        public var rampCPUMicrosPerConnection: Double?
    }

    /// Server process figures from `/proc`.
    public struct Server: Codable, Sendable {
        /// The server's pid.
        public var pid: Int32
        /// Server CPU time (user + system) spent in the window, µs.
        public var cpuMicros: UInt64
        /// `cpuMicros` per ack (echo), per delivery (fanout), per ping/pong (connect).
        public var cpuMicrosPerMessage: Double?
        /// VmRSS at the start of the window, bytes.
        public var rssBeforeBytes: UInt64
        /// VmRSS at the end of the window, bytes.
        public var rssAfterBytes: UInt64
        /// `rssAfterBytes − rssBeforeBytes`.
        public var rssDeltaBytes: Int64
        /// Connect only: RSS growth over the ramp per connected socket, bytes.
        public var rssPerConnectionBytes: Double?
    }

    /// The bench process's own CPU over the window.
    public struct Client: Codable, Sendable {
        /// CPU time (user + system) spent by this process in the window, µs.
        public var cpuMicros: UInt64
        /// `cpuMicros` per message counted for the server figure.
        public var cpuMicrosPerMessage: Double?
        /// `cpuMicros / window`, in cores.
        public var utilization: Double
    }

    /// `connect`, `echo` or `fanout`.
    public var scenario: String
    /// `host:port`.
    public var target: String
    /// Client event loops.
    public var threads: Int
    /// Length of the measured window, seconds.
    public var windowSeconds: Double
    /// Connection figures.
    public var connections: Connections
    /// Echo figures (echo only).
    public var echo: Echo?
    /// Fan-out figures (fanout only).
    public var fanout: Fanout?
    /// Idle-hold figures (connect only).
    public var idle: Idle?
    /// Echo round trip or fan-out end-to-end latency.
    public var latencyMicros: LatencySummary?
    /// Server figures (with a server pid).
    public var server: Server?
    /// The bench process's own CPU over the window (Linux).
    public var client: Client?
    /// What the server's `stats` event answered at the end (before disconnecting), if it answered.
    public var serverReported: ServerStats?
    /// Failure reasons and counts.
    public var errors: [String: UInt64]
}
