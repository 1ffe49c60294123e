/// What one scenario's measured window produced.
struct WindowOutcome: Sendable {
    /// Seconds actually measured.
    var windowSeconds: Double
    /// Messages the CPU figures are divided by: acks, deliveries or ping/pongs.
    var messages: UInt64
    var echo: BenchReport.Echo?
    var fanout: BenchReport.Fanout?
    var idle: BenchReport.Idle?
    /// Connect only: server RSS growth over the ramp per connection.
    var rssPerConnection: Double?
}

extension BenchRunner {
    /// `connect`: hold the sockets idle for `hold` seconds; heartbeats are the only traffic.
    func idleWindow(hold: Double, hub: LoopHub, ramp: RampOutcome, baseline: ProcessSample?, sampler: inout WindowSampler) async throws -> WindowOutcome {
        try sampler.begin()
        var rssPerConnection: Double?
        var rampCPUPerConnection: Double?
        if let baseline, let before = sampler.serverBefore {
            rssPerConnection = (Double(before.rssBytes) - Double(baseline.rssBytes)) / Double(ramp.metrics.connected)
            rampCPUPerConnection = (Double(before.cpuMicros &- baseline.cpuMicros) / Double(ramp.metrics.connected)).rounded3
        }
        let pingsBefore = ramp.metrics.pings
        let seconds = try await measureWindow(seconds: hold, hub: hub, label: "hold") { m in
            "pings \(m.pings - pingsBefore) connected \(m.connected) closed-by-server \(m.closedByServer)"
        }
        try sampler.end()
        let pings = try await hub.metrics().pings - pingsBefore
        return WindowOutcome(
            windowSeconds: seconds, messages: pings,
            idle: BenchReport.Idle(holdSeconds: seconds.rounded3, pings: pings,
                                   pingsPerSecond: seconds > 0 ? (Double(pings) / seconds).rounded3 : 0,
                                   rampCPUMicrosPerConnection: rampCPUPerConnection),
            rssPerConnection: rssPerConnection)
    }

    /// `echo`: every client keeps its emits in flight for the duration.
    func echoWindow(inflight: Int, payloadBytes: Int, ratePerClient: Double, hub: LoopHub, sampler: inout WindowSampler) async throws -> WindowOutcome {
        try sampler.begin()
        await hub.start()
        var lastAcks: UInt64 = 0
        let seconds = try await measureWindow(seconds: configuration.durationSeconds, hub: hub, label: "echo") { m in
            defer { lastAcks = m.echoAcks }
            return "acks/s \(m.echoAcks - lastAcks) total \(m.echoAcks) connected \(m.connected) failed \(m.failed)"
        }
        await hub.stop()
        try sampler.end()
        let m = try await hub.metrics()
        return WindowOutcome(
            windowSeconds: seconds, messages: m.echoAcks,
            echo: BenchReport.Echo(
                inflightPerClient: inflight, payloadBytes: payloadBytes, ratePerClient: ratePerClient, sent: m.echoSent, acks: m.echoAcks,
                acksPerSecond: (Double(m.echoAcks) / seconds).rounded3, mismatches: m.echoMismatches))
    }

    /// `fanout`: wait for every client to join, send for the duration, then drain (≤ 10 s).
    func fanoutWindow(rate: Double, senders: Int, hub: LoopHub, sampler: inout WindowSampler) async throws -> WindowOutcome {
        let joinDeadline = ContinuousClock.now + .seconds(15)
        var joined = try await hub.metrics()
        while ContinuousClock.now < joinDeadline, joined.joined < joined.connected {
            try await Task.sleep(for: .milliseconds(20))
            joined = try await hub.metrics()
        }
        let roomSize = joined.joined
        try sampler.begin()
        await hub.start()
        var lastReceived: UInt64 = 0
        let seconds = try await measureWindow(seconds: configuration.durationSeconds, hub: hub, label: "fanout") { m in
            defer { lastReceived = m.fanoutReceived }
            let ratio = FanoutTotals(sent: m.fanoutSent, roomSize: roomSize, received: m.fanoutReceived).deliveryRatio
            return "sent \(m.fanoutSent) deliveries/s \(m.fanoutReceived - lastReceived) ratio \(ratio.formatted3)"
        }
        await hub.stop()
        // Drain: until everything owed arrived, or nothing moved for a second.
        let drainDeadline = ContinuousClock.now + .seconds(10)
        var lastSeen: UInt64 = 0
        var lastMove = ContinuousClock.now
        while ContinuousClock.now < drainDeadline {
            let m = try await hub.metrics()
            if m.fanoutReceived >= m.fanoutSent * roomSize { break }
            if m.fanoutReceived != lastSeen { lastSeen = m.fanoutReceived; lastMove = ContinuousClock.now }
            if ContinuousClock.now - lastMove > .seconds(1) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try sampler.end()
        let result = try await hub.finalResult()
        let m = result.metrics
        let totals = FanoutTotals(sent: m.fanoutSent, roomSize: roomSize, received: m.fanoutReceived)
        return WindowOutcome(
            windowSeconds: seconds, messages: m.fanoutReceived,
            fanout: BenchReport.Fanout(
                senders: senders, targetRate: rate, roomSize: roomSize, sent: m.fanoutSent,
                achievedRate: (Double(m.fanoutSent) / seconds).rounded3, senderStalls: m.senderStalls,
                expectedDeliveries: totals.expected, delivered: m.fanoutReceived,
                deliveryRatio: totals.deliveryRatio.rounded3,
                deliveriesPerSecond: (Double(m.fanoutReceived) / seconds).rounded3,
                orderViolations: result.orderViolations.reduce(0, +), orderViolationsPerSender: result.orderViolations,
                unexpectedEvents: m.unexpectedEvents))
    }

    /// Sleeps `seconds`, printing a progress line each second; returns the seconds actually waited.
    private func measureWindow(seconds: Double, hub: LoopHub, label: String, _ line: (LoopMetrics) -> String) async throws -> Double {
        let start = ContinuousClock.now
        var tick = 0
        while true {
            let elapsed = (ContinuousClock.now - start).seconds
            if elapsed >= seconds { return elapsed }
            try await Task.sleep(for: .seconds(min(1, seconds - elapsed)))
            tick += 1
            let m = try await hub.metrics()
            report("\(label) \(tick)s: " + line(m))
        }
    }
}
