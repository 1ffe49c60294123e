import Metrics
import NIOConcurrencyHelpers

/// The swift-metrics instruments of the Socket.IO layer. Bootstrap a `MetricsSystem` backend (e.g.
/// Prometheus) to export them; without one they cost next to nothing.
///
/// | Name | Kind | Dimensions |
/// |---|---|---|
/// | `socketio_sockets_connected` | meter (gauge) | `namespace` |
/// | `socketio_packets_received_total` | counter | `type` |
/// | `socketio_packets_sent_total` | counter | `type` |
/// | `socketio_acks_received_total` / `socketio_acks_sent_total` | counter | |
/// | `socketio_volatile_dropped_total` | counter | |
/// | `socketio_rate_limited_total` | counter | |
/// | `socketio_connect_errors_total` | counter | |
///
/// Each server creates its instruments once, from the factory of its configuration (the bootstrapped
/// `MetricsSystem.factory` by default), so the per-packet cost is one increment.
final class SocketIOMetrics: Sendable {
    let factory: any MetricsFactory
    let packetsReceived: [Counter]
    let packetsSent: [Counter]
    let acksReceived: Counter
    let acksSent: Counter
    let volatileDroppedCounter: Counter
    let rateLimitedCounter: Counter
    let connectErrors: Counter
    private let connectedMeters = NIOLockedValueBox([String: Meter]())

    init(factory: any MetricsFactory) {
        self.factory = factory
        packetsReceived = SocketIOPacketType.allCases.map {
            Counter(label: "socketio_packets_received_total", dimensions: [("type", Self.typeName($0))], factory: factory)
        }
        packetsSent = SocketIOPacketType.allCases.map {
            Counter(label: "socketio_packets_sent_total", dimensions: [("type", Self.typeName($0))], factory: factory)
        }
        acksReceived = Counter(label: "socketio_acks_received_total", factory: factory)
        acksSent = Counter(label: "socketio_acks_sent_total", factory: factory)
        volatileDroppedCounter = Counter(label: "socketio_volatile_dropped_total", factory: factory)
        rateLimitedCounter = Counter(label: "socketio_rate_limited_total", factory: factory)
        connectErrors = Counter(label: "socketio_connect_errors_total", factory: factory)
    }

    static func typeName(_ type: SocketIOPacketType) -> String {
        switch type {
        case .connect: "connect"
        case .disconnect: "disconnect"
        case .event: "event"
        case .ack: "ack"
        case .connectError: "connect_error"
        case .binaryEvent: "binary_event"
        case .binaryAck: "binary_ack"
        }
    }

    func received(_ type: SocketIOPacketType) {
        packetsReceived[Int(type.rawValue)].increment()
    }

    func sent(_ type: SocketIOPacketType) {
        packetsSent[Int(type.rawValue)].increment()
    }

    /// Counts `count` packets of `type` at once (a broadcast's deliveries on one event loop).
    func sent(_ type: SocketIOPacketType, count: Int) {
        guard count > 0 else { return }
        packetsSent[Int(type.rawValue)].increment(by: count)
    }

    func volatileDropped(namespace: String) {
        volatileDroppedCounter.increment()
    }

    func rateLimited() {
        rateLimitedCounter.increment()
    }

    /// The connected-sockets gauge of `namespace`.
    func connected(namespace: String) -> Meter {
        connectedMeters.withLockedValue { meters in
            if let meter = meters[namespace] { return meter }
            let meter = Meter(label: "socketio_sockets_connected", dimensions: [("namespace", namespace)], factory: factory)
            meters[namespace] = meter
            return meter
        }
    }
}
