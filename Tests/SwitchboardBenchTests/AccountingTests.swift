#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Testing

@testable import SwitchboardBench

@Suite("Loopback target validation")
struct LoopbackTargetTests {
    @Test("Accepts 127.0.0.0/8, ::1 and localhost", arguments: ["127.0.0.1", "127.255.3.4", "::1", "[::1]", "localhost", "LOCALHOST"])
    func accepts(host: String) throws {
        _ = try LoopbackTarget(host: host, port: 3000)
    }

    @Test("Refuses everything else", arguments: ["10.0.0.1", "128.0.0.1", "0.0.0.0", "example.com", "127.0.0.1.evil.com", "127.1", "0127.0.0.1", "127.0.0.256", "::2", "", "::ffff:127.0.0.1"])
    func refuses(host: String) {
        #expect {
            try LoopbackTarget(host: host, port: 3000)
        } throws: { ($0 as? BenchError)?.code == .nonLoopbackTarget }
    }

    @Test("Refuses ports outside 1...65535", arguments: [0, 65536, -1])
    func refusesPort(port: Int) {
        #expect(throws: BenchError.self) { try LoopbackTarget(host: "127.0.0.1", port: port) }
    }

    @Test("Spreads sources over 127.0.0.1 ... 127.0.0.250")
    func sourceSpread() {
        #expect(LoopbackTarget.sourceHost(forConnection: 0) == "127.0.0.1")
        #expect(LoopbackTarget.sourceHost(forConnection: 249) == "127.0.0.250")
        #expect(LoopbackTarget.sourceHost(forConnection: 250) == "127.0.0.1")
    }

    @Test("Bounds every scenario's counts and durations")
    func scenarioBounds() throws {
        #expect(throws: BenchError.self) { try BenchScenario.echo(clients: 0, inflight: 1, payloadBytes: 1).validate() }
        #expect(throws: BenchError.self) { try BenchScenario.echo(clients: 1, inflight: 5000, payloadBytes: 1).validate() }
        #expect(throws: BenchError.self) { try BenchScenario.echo(clients: 1, inflight: 1, payloadBytes: 1, ratePerClient: -1).validate() }
        #expect(throws: BenchError.self) { try BenchScenario.echo(clients: 1, inflight: 1, payloadBytes: 1, ratePerClient: 200_000).validate() }
        #expect(throws: BenchError.self) { try BenchScenario.fanout(clients: 2, ratePerSecond: 10, senders: 3, paddingBytes: 0).validate() }
        #expect(throws: BenchError.self) { try BenchScenario.connect(connections: 1, holdSeconds: 601).validate() }
        #expect(throws: BenchError.self) { try BenchScenario.connect(connections: 300_000, holdSeconds: 1).validate() }
        let target = try LoopbackTarget(host: "127.0.0.1", port: 1)
        #expect(throws: BenchError.self) { try BenchConfiguration(target: target, durationSeconds: 601).validate() }
        #expect(throws: BenchError.self) { try BenchConfiguration(target: target, durationSeconds: 0).validate() }
        try BenchScenario.echo(clients: 10, inflight: 4, payloadBytes: 32).validate()
        try BenchScenario.echo(clients: 10, inflight: 1, payloadBytes: 32, ratePerClient: 200).validate()
        try BenchConfiguration(target: target).validate()
    }
}

@Suite("/proc parsing")
struct ProcessSampleTests {
    @Test("Sums utime and stime after a command name holding spaces and parentheses")
    func statFields() throws {
        let stat = "4242 (my (odd) srv) S 1 4242 4242 0 -1 4194560 1234 0 5 0 1500 250 0 0 20 0 9 0 100 123456789 3000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n"
        #expect(try ProcessSample.parseCPUTicks(stat: stat) == 1750)
    }

    @Test("Rejects a stat line without a closing parenthesis or too few fields")
    func statRejects() {
        #expect(throws: BenchError.self) { try ProcessSample.parseCPUTicks(stat: "1 (x S 1 2") }
        #expect(throws: BenchError.self) { try ProcessSample.parseCPUTicks(stat: "1 (x) S 1 2") }
    }

    @Test("Reads VmRSS in bytes")
    func rss() throws {
        let status = "Name:\tsrv\nVmPeak:\t  999 kB\nVmRSS:\t   12345 kB\nThreads:\t9\n"
        #expect(try ProcessSample.parseRSSBytes(status: status) == 12345 * 1024)
        #expect(throws: BenchError.self) { try ProcessSample.parseRSSBytes(status: "Name:\tzombie\n") }
    }

    @Test("Converts ticks to microseconds")
    func micros() {
        #expect(ProcessSample(cpuTicks: 250, ticksPerSecond: 100, rssBytes: 0).cpuMicros == 2_500_000)
    }

    @Test("Reads this very process", .enabled(if: (try? ProcessSample.read(pid: getpid())) != nil))
    func readsSelf() throws {
        let sample = try ProcessSample.read(pid: getpid())
        #expect(sample.rssBytes > 0)
        #expect(sample.ticksPerSecond > 0)
    }
}

@Suite("Scenario accounting")
struct ScenarioAccountingTests {
    @Test("Fan-out payloads round-trip sender, sequence and timestamp")
    func payloadRoundTrip() throws {
        var buffer = ByteBuffer(string: #"["bcast","#)
        FanoutPayload.write(sender: 3, sequence: 77, sentNanos: 123_456_789_012, padding: ByteBuffer(string: "yyy"), into: &buffer)
        buffer.writeString("]")
        #expect(String(buffer: buffer) == #"["bcast","3:77:123456789012:yyy"]"#)
        #expect(FanoutPayload.length(sender: 3, sequence: 77, sentNanos: 123_456_789_012, paddingLength: 3) == #""3:77:123456789012:yyy""#.utf8.count)
        let parsed = try #require(FanoutPayload.parse(arguments: buffer))
        #expect(parsed.sender == 3 && parsed.sequence == 77 && parsed.sentNanos == 123_456_789_012)
    }

    @Test("Other events are not fan-out payloads", arguments: [#"["other","1:2:3:"]"#, #"["bcast",5]"#, #"["bcast","1:2"]"#, ""])
    func payloadRejects(text: String) {
        #expect(FanoutPayload.parse(arguments: ByteBuffer(string: text)) == nil)
    }

    @Test("Counts a delivery out of order per sender, not across senders")
    func orderViolations() {
        var ledger = FanoutReceiverLedger(senderCount: 2)
        for seq in [0, 1, 2, 4, 3, 5] as [UInt64] { _ = ledger.record(sender: 0, sequence: seq) }
        for seq in [0, 0, 1] as [UInt64] { _ = ledger.record(sender: 1, sequence: seq) }
        #expect(ledger.orderViolations == [1, 1])
        #expect(ledger.received == 9)
        #expect(ledger.record(sender: 2, sequence: 0) == false)
        #expect(ledger.received == 9)
    }

    @Test("Delivery ratio counts the sender as a room member")
    func deliveryRatio() {
        let totals = FanoutTotals(sent: 100, roomSize: 10, received: 950)
        #expect(totals.expected == 1000)
        #expect(totals.deliveryRatio == 0.95)
        #expect(FanoutTotals(sent: 0, roomSize: 10, received: 0).deliveryRatio == 1)
    }

    @Test("Latency summaries report percentiles in microseconds")
    func latency() {
        var histogram = LatencySummary.makeHistogram()
        for micros in 1...1000 as ClosedRange<UInt64> {
            LatencySummary.record(nanoseconds: micros * 1000, into: &histogram)
        }
        let summary = LatencySummary(histogram)
        #expect(summary.count == 1000)
        #expect(summary.min == 1)
        #expect((499...501).contains(summary.p50))
        #expect((989...991).contains(summary.p99))
        #expect(summary.max >= 999 && summary.max <= 1001)
        #expect(LatencySummary(LatencySummary.makeHistogram()).p99 == 0)
    }

    @Test("Pre-encoded bodies match the server contract")
    func encodedBodies() {
        let messages = EncodedMessages(echoPayloadBytes: 3, fanoutPaddingBytes: 2)
        #expect(String(buffer: messages.echoArguments) == #"["echo","xxx"]"#)
        #expect(String(buffer: messages.echoAckArguments) == #"["xxx"]"#)
        #expect(String(buffer: messages.joinArguments) == #"["join","bench"]"#)
        #expect(String(buffer: messages.bcastArgumentsPrefix) == #"["bcast","bench","#)
        #expect(messages.fanoutPadding.readableBytes == 2)
    }
}

@Suite("Window sampler")
struct WindowSamplerTests {
    @Test("Without a server pid there are no server figures, but the client's own CPU is reported",
          .enabled(if: (try? ProcessSample.read(pid: getpid())) != nil))
    func clientOnly() throws {
        var sampler = WindowSampler(serverPID: nil)
        try sampler.begin()
        var x: UInt64 = 1
        for i in 0..<5_000_000 { x = x &* 6364136223846793005 &+ UInt64(i) }
        #expect(x != 0)
        try sampler.end()
        #expect(sampler.serverFigures(messages: 10, rssPerConnection: nil) == nil)
        let client = try #require(sampler.clientFigures(messages: 10, windowSeconds: 1))
        #expect(client.utilization >= 0)
        #expect(client.cpuMicrosPerMessage == (Double(client.cpuMicros) / 10).rounded3)
    }

    @Test("A server pid that does not exist fails the first sample", .enabled(if: (try? ProcessSample.read(pid: getpid())) != nil))
    func missingServer() {
        var sampler = WindowSampler(serverPID: Int32.max)
        #expect(throws: BenchError.self) { try sampler.begin() }
    }
}
