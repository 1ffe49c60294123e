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
/// Instruments are created once (on first use) and cached, so the per-packet cost is one increment.
enum SocketIOMetrics {
    static let packetsReceived: [Counter] = SocketIOPacketType.allCases.map {
        Counter(label: "socketio_packets_received_total", dimensions: [("type", typeName($0))])
    }
    static let packetsSent: [Counter] = SocketIOPacketType.allCases.map {
        Counter(label: "socketio_packets_sent_total", dimensions: [("type", typeName($0))])
    }
    static let acksReceived = Counter(label: "socketio_acks_received_total")
    static let acksSent = Counter(label: "socketio_acks_sent_total")
    static let volatileDroppedCounter = Counter(label: "socketio_volatile_dropped_total")
    static let rateLimitedCounter = Counter(label: "socketio_rate_limited_total")
    static let connectErrors = Counter(label: "socketio_connect_errors_total")
    private static let connectedMeters = NIOLockedValueBox([String: Meter]())

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

    static func received(_ type: SocketIOPacketType) {
        packetsReceived[Int(type.rawValue)].increment()
    }

    static func sent(_ type: SocketIOPacketType) {
        packetsSent[Int(type.rawValue)].increment()
    }

    static func volatileDropped(namespace: String) {
        volatileDroppedCounter.increment()
    }

    static func rateLimited() {
        rateLimitedCounter.increment()
    }

    /// The connected-sockets gauge of `namespace`.
    static func connected(namespace: String) -> Meter {
        connectedMeters.withLockedValue { meters in
            if let meter = meters[namespace] { return meter }
            let meter = Meter(label: "socketio_sockets_connected", dimensions: [("namespace", namespace)])
            meters[namespace] = meter
            return meter
        }
    }
}
