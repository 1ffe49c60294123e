#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
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

    /// Runs the scenario to completion (bounded by its duration plus ramp, join and drain timeouts).
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
        let messages: EncodedMessages
        let senderCount: Int
        switch scenario {
        case .echo(_, _, let payload, _): messages = EncodedMessages(echoPayloadBytes: payload, fanoutPaddingBytes: 0); senderCount = 0
        case .fanout(_, _, let senders, let padding): messages = EncodedMessages(echoPayloadBytes: 0, fanoutPaddingBytes: padding); senderCount = senders
        case .connect: messages = EncodedMessages(echoPayloadBytes: 0, fanoutPaddingBytes: 0); senderCount = 0
        }
        let states = group.makeIterator().map { LoopState(eventLoop: $0, messages: messages, senderCount: senderCount) }
        let hub = LoopHub(states: states)
        let failures = FailureTally([:])

        let baseline = try configuration.serverPID.map { pid throws(BenchError) in try ProcessSample.read(pid: pid) }
        let ramp = try await rampConnections(states: states, hub: hub, failures: failures)
        guard ramp.metrics.connected > 0 else {
            await hub.closeAll()
            let reasons = failures.withLockedValue { $0 }.merging(ramp.metrics.errors, uniquingKeysWith: +)
            throw BenchError(.scenarioFailed, "no connection came up (failures: \(reasons))")
        }

        var notes: [String: UInt64] = [:]
        let pid = await serverPID(hub: hub)
        if let note = pid.note { notes[note] = 1 }
        var sampler = WindowSampler(serverPID: pid.pid)
        let outcome: WindowOutcome
        switch scenario {
        case .connect(_, let hold):
            outcome = try await idleWindow(hold: hold, hub: hub, ramp: ramp, baseline: baseline, sampler: &sampler)
        case .echo(_, let inflight, let payload, let rate):
            outcome = try await echoWindow(inflight: inflight, payloadBytes: payload, ratePerClient: rate, hub: hub, sampler: &sampler)
        case .fanout(_, let rate, let senders, _):
            outcome = try await fanoutWindow(rate: rate, senders: senders, hub: hub, sampler: &sampler)
        }

        let result = try await hub.finalResult()
        let serverReported = await hub.serverStats()
        await hub.closeAll()
        try await Task.sleep(for: .milliseconds(200))

        let connectFailures = failures.withLockedValue { $0 }
        let latency: LatencySummary?
        if case .connect = scenario { latency = nil } else { latency = LatencySummary(result.latency) }
        return BenchReport(
            scenario: scenario.name,
            target: ([configuration.target] + configuration.additionalTargets).map(\.description).joined(separator: ","),
            threads: configuration.threads,
            windowSeconds: outcome.windowSeconds.rounded3,
            connections: BenchReport.Connections(
                requested: scenario.connectionCount, connected: ramp.metrics.connected,
                failed: result.metrics.failed + connectFailures.values.reduce(0, +),
                closedByServer: result.metrics.closedByServer, rampSeconds: ramp.seconds.rounded3,
                connectsPerSecond: (Double(ramp.metrics.connected) / ramp.seconds).rounded3,
                handshakeLatencyMicros: LatencySummary(result.connectLatency)),
            echo: outcome.echo, fanout: outcome.fanout, idle: outcome.idle, latencyMicros: latency,
            server: sampler.serverFigures(messages: outcome.messages, rssPerConnection: outcome.rssPerConnection),
            client: sampler.clientFigures(messages: outcome.messages, windowSeconds: outcome.windowSeconds),
            serverReported: serverReported,
            errors: result.metrics.errors.merging(connectFailures, uniquingKeysWith: +).merging(notes, uniquingKeysWith: +))
    }

    /// The configured pid, or with `discoverServerPID` the one the server's `stats` reports, if
    /// this process can read its `/proc` entry; `note` says why discovery failed.
    private func serverPID(hub: LoopHub) async -> (pid: Int32?, note: String?) {
        if let pid = configuration.serverPID { return (pid, nil) }
        guard configuration.discoverServerPID else { return (nil, nil) }
        guard let reported = await hub.serverStats()?.pid else {
            return (nil, "no stats answer: server pid unknown")
        }
        guard (try? ProcessSample.read(pid: reported)) != nil else {
            return (nil, "server pid \(reported) from stats is not readable in /proc")
        }
        return (reported, nil)
    }

    /// Prints a progress line unless progress is off.
    func report(_ line: String) {
        if configuration.progress { progressSink(line) }
    }

    /// Lifts the soft open-files limit to the hard one: each connection is a descriptor.
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
