import CoreMetrics
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

/// Records every metric value by `label{dimensions}`.
final class RecordingMetricsFactory: MetricsFactory, Sendable {
    final class Handler: CounterHandler, RecorderHandler, TimerHandler, MeterHandler, Sendable {
        let key: String
        let store: NIOLockedValueBox<[String: Double]>
        init(key: String, store: NIOLockedValueBox<[String: Double]>) {
            self.key = key
            self.store = store
        }
        private func add(_ amount: Double) { store.withLockedValue { $0[key, default: 0] += amount } }
        func set(_ value: Double) { store.withLockedValue { $0[key] = value } }
        func increment(by amount: Int64) { add(Double(amount)) }
        func reset() { set(0.0) }
        func record(_ value: Int64) { set(Double(value)) }
        func record(_ value: Double) { set(value) }
        func recordNanoseconds(_ duration: Int64) { set(Double(duration)) }
        func set(_ value: Int64) { set(Double(value) as Double) }
        func increment(by amount: Double) { add(amount) }
        func decrement(by amount: Double) { add(-amount) }
    }

    let store = NIOLockedValueBox([String: Double]())

    private func handler(_ label: String, _ dimensions: [(String, String)]) -> Handler {
        let dims = dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return Handler(key: dims.isEmpty ? label : "\(label){\(dims)}", store: store)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { handler(label, dimensions) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        handler(label, dimensions)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { handler(label, dimensions) }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { handler(label, dimensions) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}

    func value(_ key: String) -> Double { store.withLockedValue { $0[key] ?? 0 } }
}

@Suite struct MetricsTests {
    @Test func countsSocketsPacketsAcksDropsLimitsAndConnectErrors() throws {
        let factory = RecordingMetricsFactory()
        let harness = Harness(configuration: .init(
            eventRateLimit: .init(eventsPerSecond: 0, burst: 2), metricsFactory: factory
        ))
        let (a, socketA) = try harness.connectSocket(id: "a")
        let (b, _) = try harness.connectSocket(id: "b")
        #expect(factory.value("socketio_sockets_connected{namespace=/}") == 2)
        socketA.on("e") { _, _, ack in ack?(1) }
        a.receive(#"21["e"]"#)
        a.receive(#"2["e"]"#)
        a.receive(#"2["e"]"#)
        #expect(factory.value("socketio_packets_received_total{type=event}") == 3)
        #expect(factory.value("socketio_packets_received_total{type=connect}") == 2)
        #expect(factory.value("socketio_acks_sent_total") == 1)
        #expect(factory.value("socketio_rate_limited_total") == 1)
        b.isWritable = false
        harness.server.volatile.emit("tick")
        #expect(factory.value("socketio_volatile_dropped_total") == 1)
        socketA.emit("q") { _ in }
        a.receive("30[]")
        #expect(factory.value("socketio_acks_received_total") == 1)
        harness.open(id: "c").receive("0/nowhere,")
        #expect(factory.value("socketio_connect_errors_total") == 1)
        b.finish(.transportClose)
        #expect(factory.value("socketio_sockets_connected{namespace=/}") == 1)
        #expect(factory.value("socketio_packets_sent_total{type=event}") >= 3)
    }
}
