#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Runs one scenario against a loopback server with SwiftNIO clients (many connections per event
/// loop, no task per connection) and returns the figures.
public struct BenchRunner: Sendable {
    /// Shared settings.
    public let configuration: BenchConfiguration
    /// What to run.
    public let scenario: BenchScenario
    /// Where progress lines go (once per second); defaults to stderr.
    public var progressSink: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Validates the settings; throws ``BenchError`` for refused targets or out-of-bounds options.
    public init(configuration: BenchConfiguration, scenario: BenchScenario) throws(BenchError) {
        try configuration.validate()
        try scenario.validate()
        self.configuration = configuration
        self.scenario = scenario
    }

    /// Runs the scenario to completion (bounded by its duration plus ramp and drain timeouts).
    public func run() async throws -> BenchReport {
        raiseFileDescriptorLimit()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        do {
            let report = try await run(on: group)
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func run(on group: MultiThreadedEventLoopGroup) async throws -> BenchReport {
        let loops = Array(group.makeIterator())
        let messages: EncodedMessages
        let senderCount: Int
        switch scenario {
        case .echo(_, _, let payload): messages = EncodedMessages(echoPayloadBytes: payload, fanoutPaddingBytes: 0); senderCount = 0
        case .fanout(_, _, let senders, let padding): messages = EncodedMessages(echoPayloadBytes: 0, fanoutPaddingBytes: padding); senderCount = senders
        case .connect: messages = EncodedMessages(echoPayloadBytes: 0, fanoutPaddingBytes: 0); senderCount = 0
        }
        let states = loops.map { LoopState(eventLoop: $0, messages: messages, senderCount: senderCount) }
        let hub = LoopHub(states: states)
        let connectFailures = NIOLockedValueBox<[String: UInt64]>([:])
        let total = scenario.connectionCount
        var pid = configuration.serverPID

        // Ramp.
        let baseline = try pid.map { pid throws(BenchError) in try ProcessSample.read(pid: pid) }
        let rampStart = ContinuousClock.now
        let rampTimeout = Double(total) / Double(configuration.connectRatePerSecond) + 15
        var issued = 0
        var lastProgress = rampStart
        while true {
            let elapsed = (ContinuousClock.now - rampStart).seconds
            let due = min(total, Int(elapsed * Double(configuration.connectRatePerSecond)) + 1)
            while issued < due {
                try openConnection(index: issued, state: states[issued % states.count], failures: connectFailures)
                issued += 1
            }
            let metrics = try await hub.metrics()
            let failedConnects = connectFailures.withLockedValue { $0.values.reduce(0, +) }
            let settled = Int(metrics.connected + metrics.failed + failedConnects)
            if ContinuousClock.now - lastProgress >= .seconds(1) {
                lastProgress = ContinuousClock.now
                report("ramp \(Int(elapsed))s: issued \(issued)/\(total) connected \(metrics.connected) failed \(metrics.failed + failedConnects)")
            }
            if settled >= total || elapsed > rampTimeout { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        var rampMetrics = try await hub.metrics()
        let rampSeconds = max((ContinuousClock.now - rampStart).seconds, 1e-6)
        guard rampMetrics.connected > 0 else {
            await hub.closeAll()
            throw BenchError(.scenarioFailed, "no connection came up (failures: \(connectFailures.withLockedValue { $0 }.merging(rampMetrics.errors, uniquingKeysWith: +)))")
        }

        if pid == nil, configuration.discoverServerPID {
            // Ask the server; only a pid whose /proc entry this process can read is used.
            if let reported = await hub.serverStats()?.pid {
                if (try? ProcessSample.read(pid: reported)) != nil {
                    pid = reported
                } else {
                    connectFailures.withLockedValue { $0["server pid \(reported) from stats is not readable in /proc", default: 0] += 1 }
                }
            } else {
                connectFailures.withLockedValue { $0["no stats answer: server pid unknown", default: 0] += 1 }
            }
        }

        var echo: BenchReport.Echo?
        var fanout: BenchReport.Fanout?
        var idle: BenchReport.Idle?
        var windowSeconds: Double
        var before: ProcessSample?
        var after: ProcessSample?
        var clientBefore: ProcessSample?
        var clientAfter: ProcessSample?
        let selfPID = getpid()
        var messagesForCPU: UInt64 = 0
        var rssPerConnection: Double?

        switch scenario {
        case .connect(_, let hold):
            before = try pid.map { pid throws(BenchError) in try ProcessSample.read(pid: pid) }
            clientBefore = try? ProcessSample.read(pid: selfPID)
            if let baseline, let before {
                rssPerConnection = (Double(before.rssBytes) - Double(baseline.rssBytes)) / Double(rampMetrics.connected)
            }
            let pingsBefore = rampMetrics.pings
            windowSeconds = try await measureWindow(seconds: hold, hub: hub, label: "hold") { m, _ in
                "pings \(m.pings - pingsBefore) connected \(m.connected) closed-by-server \(m.closedByServer)"
            }
            after = try pid.map { pid throws(BenchError) in try ProcessSample.read(pid: pid) }
            clientAfter = try? ProcessSample.read(pid: selfPID)
            let m = try await hub.metrics()
            let pings = m.pings - pingsBefore
            messagesForCPU = pings
            idle = BenchReport.Idle(holdSeconds: windowSeconds.rounded3, pings: pings, pingsPerSecond: windowSeconds > 0 ? (Double(pings) / windowSeconds).rounded3 : 0)

        case .echo(_, let inflight, let payload):
            before = try pid.map { pid throws(BenchError) in try ProcessSample.read(pid: pid) }
            clientBefore = try? ProcessSample.read(pid: selfPID)
            await hub.start()
            var lastAcks: UInt64 = 0
            windowSeconds = try await measureWindow(seconds: configuration.durationSeconds, hub: hub, label: "echo") { m, _ in
                defer { lastAcks = m.echoAcks }
                return "acks/s \(m.echoAcks - lastAcks) total \(m.echoAcks) connected \(m.connected) failed \(m.failed)"
            }
            await hub.stop()
            after = try pid.map { pid throws(BenchError) in try ProcessSample.read(pid: pid) }
            clientAfter = try? ProcessSample.read(pid: selfPID)
            let m = try await hub.metrics()
            messagesForCPU = m.echoAcks
            echo = BenchReport.Echo(
                inflightPerClient: inflight, payloadBytes: payload, sent: m.echoSent, acks: m.echoAcks,
                acksPerSecond: (Double(m.echoAcks) / windowSeconds).rounded3, mismatches: m.echoMismatches)

        case .fanout(_, let rate, let senders, _):
            // Every connected client must be in the room before anything is sent.
            let joinDeadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < joinDeadline {
                rampMetrics = try await hub.metrics()
                if rampMetrics.joined >= rampMetrics.connected { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let roomSize = rampMetrics.joined
            before = try pid.map { pid throws(BenchError) in try ProcessSample.read(pid: pid) }
            clientBefore = try? ProcessSample.read(pid: selfPID)
            await hub.start()
            var lastReceived: UInt64 = 0
            windowSeconds = try await measureWindow(seconds: configuration.durationSeconds, hub: hub, label: "fanout") { m, _ in
                defer { lastReceived = m.fanoutReceived }
                return "sent \(m.fanoutSent) deliveries/s \(m.fanoutReceived - lastReceived) ratio \(FanoutTotals(sent: m.fanoutSent, roomSize: roomSize, received: m.fanoutReceived).deliveryRatio.formatted3)"
            }
            await hub.stop()
            // Drain: wait until everything owed arrived, or nothing moved for a second (max 10 s).
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
            after = try pid.map { pid throws(BenchError) in try ProcessSample.read(pid: pid) }
            clientAfter = try? ProcessSample.read(pid: selfPID)
            let result = try await hub.finalResult()
            let m = result.metrics
            let totals = FanoutTotals(sent: m.fanoutSent, roomSize: roomSize, received: m.fanoutReceived)
            messagesForCPU = m.fanoutReceived
            fanout = BenchReport.Fanout(
                senders: senders, targetRate: rate, roomSize: roomSize, sent: m.fanoutSent,
                achievedRate: (Double(m.fanoutSent) / windowSeconds).rounded3, senderStalls: m.senderStalls,
                expectedDeliveries: totals.expected, delivered: m.fanoutReceived, deliveryRatio: totals.deliveryRatio.rounded3,
                deliveriesPerSecond: (Double(m.fanoutReceived) / windowSeconds).rounded3,
                orderViolations: result.orderViolations.reduce(0, +), orderViolationsPerSender: result.orderViolations,
                unexpectedEvents: m.unexpectedEvents)
        }

        let result = try await hub.finalResult()
        let serverReported = await hub.serverStats()
        await hub.closeAll()
        try await Task.sleep(for: .milliseconds(200))

        var errors = result.metrics.errors
        errors.merge(connectFailures.withLockedValue { $0 }, uniquingKeysWith: +)
        var server: BenchReport.Server?
        if let pid, let before, let after {
            let cpu = after.cpuMicros &- before.cpuMicros
            server = BenchReport.Server(
                pid: pid, cpuMicros: cpu,
                cpuMicrosPerMessage: messagesForCPU > 0 ? (Double(cpu) / Double(messagesForCPU)).rounded3 : nil,
                rssBeforeBytes: before.rssBytes, rssAfterBytes: after.rssBytes,
                rssDeltaBytes: Int64(after.rssBytes) - Int64(before.rssBytes),
                rssPerConnectionBytes: rssPerConnection.map { $0.rounded() })
        }
        var client: BenchReport.Client?
        if let clientBefore, let clientAfter {
            let cpu = clientAfter.cpuMicros &- clientBefore.cpuMicros
            client = BenchReport.Client(
                cpuMicros: cpu,
                cpuMicrosPerMessage: messagesForCPU > 0 ? (Double(cpu) / Double(messagesForCPU)).rounded3 : nil,
                utilization: windowSeconds > 0 ? (Double(cpu) / 1e6 / windowSeconds).rounded3 : 0)
        }
        let connectFailureCount = connectFailures.withLockedValue { $0.values.reduce(0, +) }
        let latency: LatencySummary?
        if case .connect = scenario { latency = nil } else { latency = LatencySummary(result.latency) }
        return BenchReport(
            scenario: scenario.name, target: configuration.target.description, threads: configuration.threads,
            windowSeconds: windowSeconds.rounded3,
            connections: BenchReport.Connections(
                requested: total, connected: rampMetrics.connected, failed: result.metrics.failed + connectFailureCount,
                closedByServer: result.metrics.closedByServer, rampSeconds: rampSeconds.rounded3,
                connectsPerSecond: (Double(rampMetrics.connected) / rampSeconds).rounded3,
                handshakeLatencyMicros: LatencySummary(result.connectLatency)),
            echo: echo, fanout: fanout, idle: idle, latencyMicros: latency, server: server, client: client, serverReported: serverReported, errors: errors)
    }

    /// Sleeps `seconds`, printing a progress line each second; returns the seconds actually waited.
    private func measureWindow(
        seconds: Double, hub: LoopHub, label: String,
        _ line: (LoopMetrics, Int) -> String
    ) async throws -> Double {
        let start = ContinuousClock.now
        var tick = 0
        while true {
            let elapsed = (ContinuousClock.now - start).seconds
            if elapsed >= seconds { return elapsed }
            try await Task.sleep(for: .seconds(min(1, seconds - elapsed)))
            tick += 1
            let m = try await hub.metrics()
            report("\(label) \(tick)s: " + line(m, tick))
        }
    }

    private func report(_ line: String) {
        if configuration.progress { progressSink(line) }
    }

    private func openConnection(index: Int, state: LoopState, failures: NIOLockedValueBox<[String: UInt64]>) throws {
        let role: ConnectionRole
        switch scenario {
        case .connect: role = .idle
        case .echo(_, let inflight, _): role = .echo(inflight: inflight)
        case .fanout(_, let rate, let senders, _):
            role = .fanout(senderIndex: index < senders ? index : nil, senderCount: senders, perSenderRate: rate / Double(senders))
        }
        let handshake = WebSocketHandshake(hostHeader: configuration.target.hostHeader)
        let start = NIODeadline.now().uptimeNanoseconds
        var bootstrap = ClientBootstrap(group: state.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        BenchConnectionHandler(loop: state, role: role, handshake: handshake, connectStartNanos: start))
                }
            }
        let spread = configuration.spreadSourceAddresses
            ?? (configuration.target.supportsSourceSpread && scenario.connectionCount > 20_000)
        if spread {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: LoopbackTarget.sourceHost(forConnection: index), port: 0))
        }
        bootstrap.connect(to: try configuration.target.socketAddress()).whenFailure { error in
            failures.withLockedValue { $0["connect: \(error)", default: 0] += 1 }
        }
    }

    private func raiseFileDescriptorLimit() {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }
}

/// The runner's handle on all loops: fans commands out and gathers results through `submit`.
struct LoopHub: Sendable {
    let states: [LoopState]

    func metrics() async throws -> LoopMetrics {
        var total = LoopMetrics()
        for state in states { total.add(try await state.eventLoop.submit { state.metricsSnapshot() }.get()) }
        return total
    }

    func finalResult() async throws -> LoopResult {
        var total = LoopResult()
        for state in states { total.add(try await state.eventLoop.submit { state.finalResult() }.get()) }
        return total
    }

    func start() async {
        let now = NIODeadline.now().uptimeNanoseconds
        for state in states { try? await state.eventLoop.submit { state.start(nowNanos: now) }.get() }
    }

    func stop() async {
        for state in states { try? await state.eventLoop.submit { state.stop() }.get() }
    }

    /// The server's `stats`, asked through the first loop that has a connected socket (5 s limit).
    func serverStats() async -> ServerStats? {
        for state in states {
            let answer = try? await state.eventLoop.flatSubmit { state.requestStats() }.get()
            if let answer = answer ?? nil { return answer }
        }
        return nil
    }

    func closeAll() async {
        for state in states { try? await state.eventLoop.submit { state.closeAll() }.get() }
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

extension Double {
    /// Rounded to 3 decimals.
    var rounded3: Double { (self * 1000).rounded() / 1000 }

    /// Rounded to 3 decimals, as text.
    var formatted3: String { "\(rounded3)" }
}
