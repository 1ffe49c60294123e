/// Settings shared by every scenario. Bounds are enforced by ``validate()``.
public struct BenchConfiguration: Sendable {
    /// The server; always loopback.
    public var target: LoopbackTarget
    /// More servers (e.g. the other nodes of a cluster): connection `i` goes to
    /// `[target] + additionalTargets` at `i % count`, round robin.
    public var additionalTargets: [LoopbackTarget] = []
    /// Event loops (threads) driving the client connections, 1...64.
    public var threads: Int
    /// Length of the measured window in seconds, 0 < duration ≤ ``maxDurationSeconds``.
    public var durationSeconds: Double
    /// New connections opened per second during the ramp, 1...100 000.
    public var connectRatePerSecond: Int
    /// Bind each connection to 127.0.0.(1 + i % 250) so large runs do not exhaust ephemeral ports.
    /// `nil`: automatic (on for IPv4 targets with more than 20 000 connections).
    public var spreadSourceAddresses: Bool?
    /// The server's process id, for CPU and RSS figures from `/proc` (Linux).
    public var serverPID: Int32?
    /// Without ``serverPID``: take the pid from the server's `stats` answer once connected.
    public var discoverServerPID: Bool
    /// Print a progress line on stderr once per second.
    public var progress: Bool

    /// Hard cap on any scenario's measured window, seconds.
    public static let maxDurationSeconds: Double = 600
    /// Hard cap on connections per run.
    public static let maxConnections = 200_000

    /// Creates a configuration; defaults: 2 threads, 10 s, 1000 connections/s.
    public init(
        target: LoopbackTarget,
        threads: Int = 2,
        durationSeconds: Double = 10,
        connectRatePerSecond: Int = 1000,
        spreadSourceAddresses: Bool? = nil,
        serverPID: Int32? = nil,
        discoverServerPID: Bool = false,
        progress: Bool = true
    ) {
        self.discoverServerPID = discoverServerPID
        self.target = target
        self.threads = threads
        self.durationSeconds = durationSeconds
        self.connectRatePerSecond = connectRatePerSecond
        self.spreadSourceAddresses = spreadSourceAddresses
        self.serverPID = serverPID
        self.progress = progress
    }

    /// The server connection `index` talks to (round robin over ``target`` and ``additionalTargets``).
    public func target(forConnection index: Int) -> LoopbackTarget {
        let slot = index % (1 + additionalTargets.count)
        return slot == 0 ? target : additionalTargets[slot - 1]
    }

    /// Throws ``BenchError/Code/invalidOption`` for out-of-bounds settings.
    public func validate() throws(BenchError) {
        guard (1...64).contains(threads) else { throw BenchError(.invalidOption, "--threads must be 1...64") }
        guard durationSeconds > 0, durationSeconds <= Self.maxDurationSeconds else {
            throw BenchError(.invalidOption, "--duration must be in (0, \(Int(Self.maxDurationSeconds))] seconds")
        }
        guard (1...100_000).contains(connectRatePerSecond) else {
            throw BenchError(.invalidOption, "--rate (connections/s) must be 1...100000")
        }
        if spreadSourceAddresses == true, !([target] + additionalTargets).allSatisfy(\.supportsSourceSpread) {
            throw BenchError(.invalidOption, "source address spreading needs an IPv4 127.x target")
        }
    }
}

/// A load scenario and its parameters.
public enum BenchScenario: Sendable {
    /// Open `connections` sockets, then hold them idle for `holdSeconds` (heartbeats only).
    case connect(connections: Int, holdSeconds: Double)
    /// `clients` sockets, each keeping `inflight` `echo` emits with acks in flight; `payloadBytes`
    /// characters per echo. `ratePerClient` 0 is a closed loop (the next emit leaves when the ack
    /// arrives); above 0 each client sends at most that many emits per second (open loop, paced), so
    /// the latency of a server that is not saturated can be measured.
    case echo(clients: Int, inflight: Int, payloadBytes: Int, ratePerClient: Double = 0)
    /// `clients` sockets join one room; `senders` of them emit `bcast` at `ratePerSecond` messages
    /// per second in total; `paddingBytes` extra characters per message.
    case fanout(clients: Int, ratePerSecond: Double, senders: Int, paddingBytes: Int)

    /// The scenario's name as used on the command line and in reports.
    public var name: String {
        switch self {
        case .connect: return "connect"
        case .echo: return "echo"
        case .fanout: return "fanout"
        }
    }

    var connectionCount: Int {
        switch self {
        case .connect(let n, _): return n
        case .echo(let c, _, _, _): return c
        case .fanout(let c, _, _, _): return c
        }
    }

    /// Throws ``BenchError/Code/invalidOption`` for out-of-bounds parameters.
    public func validate() throws(BenchError) {
        let n = connectionCount
        guard n >= 1, n <= BenchConfiguration.maxConnections else {
            throw BenchError(.invalidOption, "connection count must be 1...\(BenchConfiguration.maxConnections)")
        }
        switch self {
        case .connect(_, let hold):
            guard hold >= 0, hold <= BenchConfiguration.maxDurationSeconds else {
                throw BenchError(.invalidOption, "--hold must be 0...\(Int(BenchConfiguration.maxDurationSeconds)) seconds")
            }
        case .echo(_, let inflight, let payload, let rate):
            guard (1...1024).contains(inflight) else { throw BenchError(.invalidOption, "--inflight must be 1...1024") }
            guard rate >= 0, rate <= 100_000 else { throw BenchError(.invalidOption, "--rate must be 0...100000 emits/s per client") }
            guard (0...1_000_000).contains(payload) else { throw BenchError(.invalidOption, "--payload-bytes must be 0...1000000") }
        case .fanout(let clients, let rate, let senders, let padding):
            guard rate > 0, rate <= 1_000_000 else { throw BenchError(.invalidOption, "--rate must be in (0, 1000000] msgs/s") }
            guard senders >= 1, senders <= clients else { throw BenchError(.invalidOption, "--senders must be 1...clients") }
            guard (0...1_000_000).contains(padding) else { throw BenchError(.invalidOption, "--payload-bytes must be 0...1000000") }
        }
    }
}
