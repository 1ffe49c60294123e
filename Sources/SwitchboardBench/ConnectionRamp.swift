import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Connect failures counted outside any loop (the TCP connect itself failed), by reason.
typealias FailureTally = NIOLockedValueBox<[String: UInt64]>

/// What the ramp achieved.
struct RampOutcome: Sendable {
    /// Counters when the ramp ended.
    var metrics: LoopMetrics
    /// From the first connect to the last socket settled (connected or failed), or the timeout.
    var seconds: Double
}

extension BenchRunner {
    /// Opens `scenario.connectionCount` connections at `connectRatePerSecond`, round-robin over the
    /// loops, and waits until each is connected or failed (bounded: count / rate + 15 s).
    func rampConnections(states: [LoopState], hub: LoopHub, failures: FailureTally) async throws -> RampOutcome {
        let total = scenario.connectionCount
        let rate = Double(configuration.connectRatePerSecond)
        let start = ContinuousClock.now
        let timeout = Double(total) / rate + 15
        var issued = 0
        var lastProgress = start
        while true {
            let elapsed = (ContinuousClock.now - start).seconds
            let due = min(total, Int(elapsed * rate) + 1)
            while issued < due {
                try openConnection(index: issued, state: states[issued % states.count], failures: failures)
                issued += 1
            }
            let metrics = try await hub.metrics()
            let failedConnects = failures.withLockedValue { $0.values.reduce(0, +) }
            if ContinuousClock.now - lastProgress >= .seconds(1) {
                lastProgress = ContinuousClock.now
                report("ramp \(Int(elapsed))s: issued \(issued)/\(total) connected \(metrics.connected) failed \(metrics.failed + failedConnects)")
            }
            if Int(metrics.connected + metrics.failed + failedConnects) >= total || elapsed > timeout { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return RampOutcome(metrics: try await hub.metrics(), seconds: max((ContinuousClock.now - start).seconds, 1e-6))
    }

    /// Starts connection `index` on `state`'s loop; a failed TCP connect is tallied in `failures`.
    private func openConnection(index: Int, state: LoopState, failures: FailureTally) throws {
        let role: ConnectionRole
        switch scenario {
        case .connect: role = .idle
        case .echo(_, let inflight, _, let rate):
            role = .echo(inflight: inflight, intervalNanos: rate > 0 ? UInt64(Double(inflight) * 1e9 / rate) : 0)
        case .fanout(_, let rate, let senders, _):
            role = .fanout(senderIndex: index < senders ? index : nil, senderCount: senders, perSenderRate: rate / Double(senders))
        }
        let target = configuration.target(forConnection: index)
        let handshake = WebSocketHandshake(hostHeader: target.hostHeader)
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
            ?? (target.supportsSourceSpread && scenario.connectionCount > 20_000)
        if spread {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: LoopbackTarget.sourceHost(forConnection: index), port: 0))
        }
        bootstrap.connect(to: try target.socketAddress()).whenFailure { error in
            failures.withLockedValue { $0["connect: \(error)", default: 0] += 1 }
        }
    }
}
