import Foundation
import NIOCore
import Testing

@testable import SwitchboardBench

@Suite("Bench report")
struct BenchReportTests {
    private func sampleReport() -> BenchReport {
        let latency = LatencySummary(LatencySummary.makeHistogram())
        return BenchReport(
            scenario: "echo", target: "127.0.0.1:3000", threads: 2, windowSeconds: 10,
            connections: .init(requested: 10, connected: 10, failed: 0, closedByServer: 0, rampSeconds: 0.01,
                               connectsPerSecond: 1000, handshakeLatencyMicros: latency),
            echo: .init(inflightPerClient: 4, payloadBytes: 32, ratePerClient: 0, sent: 100, acks: 96, acksPerSecond: 9.6, mismatches: 0),
            fanout: nil, idle: nil, latencyMicros: latency,
            server: .init(pid: 7, cpuMicros: 960, cpuMicrosPerMessage: 10, rssBeforeBytes: 1, rssAfterBytes: 3,
                          rssDeltaBytes: 2, rssPerConnectionBytes: nil),
            client: nil, serverReported: ServerStats(rss: 4096, clients: 10, pid: 7),
            errors: ["closed by server": 1])
    }

    @Test("JSON carries the documented keys and omits absent sections")
    func jsonKeys() throws {
        let text = try sampleReport().jsonText()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["scenario", "target", "threads", "windowSeconds", "connections", "echo", "latencyMicros", "server", "serverReported", "errors"])
        let echo = try #require(object["echo"] as? [String: Any])
        #expect(echo["acksPerSecond"] as? Double == 9.6)
        let latency = try #require(object["latencyMicros"] as? [String: Any])
        #expect(Set(latency.keys) == ["count", "min", "mean", "p50", "p90", "p99", "p999", "max"])
        let server = try #require(object["server"] as? [String: Any])
        #expect(server["cpuMicrosPerMessage"] as? Double == 10)
        #expect(server["rssPerConnectionBytes"] == nil)
    }

    @Test("Reads the server's stats ack whatever the spacing and key order")
    func serverStats() {
        let compact = ServerStats.parse(arguments: ByteBuffer(string: #"[{"rss":123,"clients":4,"pid":99}]"#))
        #expect(compact == ServerStats(rss: 123, clients: 4, pid: 99))
        let spaced = ServerStats.parse(arguments: ByteBuffer(string: #"[{"pid": 7, "rss": 1, "clients": 0}]"#))
        #expect(spaced == ServerStats(rss: 1, clients: 0, pid: 7))
        #expect(ServerStats.parse(arguments: ByteBuffer(string: #"[{"rss":1,"clients":2}]"#)) == nil)
        #expect(ServerStats.parse(arguments: ByteBuffer(string: #"[{"rss":"a","clients":2,"pid":3}]"#)) == nil)
    }

    @Test("The human summary names the scenario, the ack rate and the errors")
    func humanSummary() {
        let summary = sampleReport().humanSummary
        #expect(summary.contains("echo against 127.0.0.1:3000"))
        #expect(summary.contains("9.6 acks/s"))
        #expect(summary.contains("closed by server ×1"))
    }

    @Test("Loop results add counters, histograms and per-sender order violations")
    func loopResultsAdd() {
        var a = LoopResult()
        a.metrics.echoAcks = 3
        a.metrics.errors = ["x": 1]
        a.orderViolations = [1]
        LatencySummary.record(nanoseconds: 5_000, into: &a.latency)
        var b = LoopResult()
        b.metrics.echoAcks = 4
        b.metrics.errors = ["x": 2, "y": 1]
        b.orderViolations = [2, 5]
        LatencySummary.record(nanoseconds: 7_000, into: &b.latency)
        a.add(b)
        #expect(a.metrics.echoAcks == 7)
        #expect(a.metrics.errors == ["x": 3, "y": 1])
        #expect(a.orderViolations == [3, 5])
        #expect(a.latency.totalCount == 2)
    }
}
