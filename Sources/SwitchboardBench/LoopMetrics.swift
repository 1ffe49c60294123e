import Histogram

/// Counters one event loop's connections add to. Read by the runner through `eventLoop.submit`.
struct LoopMetrics: Sendable {
    /// Sockets that reached Socket.IO connected.
    var connected: UInt64 = 0
    /// Connections that failed before or after connecting (handshake, protocol, transport).
    var failed: UInt64 = 0
    /// Connected sockets the server closed.
    var closedByServer: UInt64 = 0
    /// Engine.IO pings answered.
    var pings: UInt64 = 0
    /// Echo emits sent.
    var echoSent: UInt64 = 0
    /// Echo acks received inside the measured window.
    var echoAcks: UInt64 = 0
    /// Echo acks whose id or payload did not match what was sent.
    var echoMismatches: UInt64 = 0
    /// Rooms joined (join acks received).
    var joined: UInt64 = 0
    /// `bcast` emits sent.
    var fanoutSent: UInt64 = 0
    /// Sender timer ticks skipped because the connection was not writable (server behind).
    var senderStalls: UInt64 = 0
    /// `bcast` deliveries received.
    var fanoutReceived: UInt64 = 0
    /// Events that were not a well-formed `bcast` from a known sender.
    var unexpectedEvents: UInt64 = 0
    /// Failure reasons and how often each occurred.
    var errors: [String: UInt64] = [:]

    mutating func add(_ other: LoopMetrics) {
        connected += other.connected
        failed += other.failed
        closedByServer += other.closedByServer
        pings += other.pings
        echoSent += other.echoSent
        echoAcks += other.echoAcks
        echoMismatches += other.echoMismatches
        joined += other.joined
        fanoutSent += other.fanoutSent
        fanoutReceived += other.fanoutReceived
        senderStalls += other.senderStalls
        unexpectedEvents += other.unexpectedEvents
        errors.merge(other.errors, uniquingKeysWith: +)
    }
}

/// Everything a loop hands back at the end of a run.
struct LoopResult: Sendable {
    var metrics = LoopMetrics()
    /// Scenario latency (echo round trip or fan-out end-to-end), µs.
    var latency = LatencySummary.makeHistogram()
    /// TCP connect to Socket.IO connected, µs.
    var connectLatency = LatencySummary.makeHistogram()
    /// Order violations per fan-out sender, summed over this loop's receivers.
    var orderViolations: [UInt64] = []

    mutating func add(_ other: LoopResult) {
        metrics.add(other.metrics)
        latency.add(other.latency)
        connectLatency.add(other.connectLatency)
        if orderViolations.count < other.orderViolations.count {
            orderViolations += Array(repeating: 0, count: other.orderViolations.count - orderViolations.count)
        }
        for (i, v) in other.orderViolations.enumerated() { orderViolations[i] += v }
    }
}
