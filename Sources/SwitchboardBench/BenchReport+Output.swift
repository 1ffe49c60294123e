import Foundation

extension BenchReport {
    /// The report as pretty-printed JSON with sorted keys.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A few human-readable lines for stderr.
    public var humanSummary: String {
        var lines: [String] = []
        lines.append("\(scenario) against \(target) on \(threads) loop(s), window \(windowSeconds.formatted3) s")
        lines.append("connections: \(connections.connected)/\(connections.requested) connected, \(connections.failed) failed, "
            + "\(connections.connectsPerSecond.formatted3)/s over \(connections.rampSeconds.formatted3) s ramp, "
            + "handshake p50 \(connections.handshakeLatencyMicros.p50) µs p99 \(connections.handshakeLatencyMicros.p99) µs")
        if let echo {
            lines.append("echo: \(echo.acks) acks, \(echo.acksPerSecond.formatted3) acks/s, \(echo.mismatches) mismatches")
        }
        if let fanout {
            lines.append("fanout: sent \(fanout.sent) to \(fanout.roomSize) members, delivered \(fanout.delivered)/\(fanout.expectedDeliveries) "
                + "(ratio \(fanout.deliveryRatio.formatted3)), \(fanout.deliveriesPerSecond.formatted3) deliveries/s, "
                + "\(fanout.orderViolations) order violations")
        }
        if let idle {
            var line = "idle: \(idle.pings) pings in \(idle.holdSeconds.formatted3) s"
            if let ramp = idle.rampCPUMicrosPerConnection { line += "; ramp: \(ramp.formatted3) server CPU-µs per connection" }
            lines.append(line)
        }
        if let l = latencyMicros {
            lines.append("latency µs: p50 \(l.p50) p90 \(l.p90) p99 \(l.p99) p99.9 \(l.p999) max \(l.max) (n=\(l.count))")
        }
        if let server {
            var line = "server pid \(server.pid): \(server.cpuMicros) CPU-µs"
            if let per = server.cpuMicrosPerMessage { line += ", \(per.formatted3) CPU-µs/message" }
            line += ", RSS \(server.rssBeforeBytes / 1024) → \(server.rssAfterBytes / 1024) KiB"
            if let per = server.rssPerConnectionBytes { line += ", \(Int(per)) B/connection" }
            lines.append(line)
        }
        if let client {
            lines.append("bench client: \(client.cpuMicros) CPU-µs, \(client.utilization) cores busy")
        }
        if let stats = serverReported {
            lines.append("server stats: \(stats.clients) clients, RSS \(stats.rss / 1024) KiB, pid \(stats.pid)")
        }
        if !errors.isEmpty {
            lines.append("errors: " + errors.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}
