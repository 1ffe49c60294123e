import EngineIO
import Metrics

/// The swift-metrics an ``EngineServer`` records; every metric is created once, when the server is.
///
/// | name | kind | dimensions |
/// | --- | --- | --- |
/// | `switchboard_engine_sessions` | meter (gauge) | `transport` |
/// | `switchboard_engine_handshakes_total` | counter | `transport` |
/// | `switchboard_engine_handshake_errors_total` | counter | `code` (Engine.IO error code) |
/// | `switchboard_engine_limit_hits_total` | counter | `limit` (`max_sessions`, `max_sessions_per_address`, `connect_rate`, `max_payload`) |
/// | `switchboard_engine_slow_consumer_disconnects_total` | counter | |
/// | `switchboard_engine_messages_received_total`, `switchboard_engine_messages_sent_total` | counter | |
/// | `switchboard_engine_message_bytes_received_total`, `switchboard_engine_message_bytes_sent_total` | counter | |
///
/// Message bytes are payload bytes (without framing); a message sent to N sessions counts N times. Sent messages
/// are summed per event loop and added once per loop tick (``EngineLoopContext``).
final class EngineMetrics: Sendable {
    let pollingSessions: Meter
    let webSocketSessions: Meter
    let pollingHandshakes: Counter
    let webSocketHandshakes: Counter
    let handshakeErrors: [Int: Counter]
    let otherHandshakeErrors: Counter
    let sessionCapHits: Counter
    let addressCapHits: Counter
    let connectRateHits: Counter
    let maxPayloadHits: Counter
    let slowConsumerDisconnects: Counter
    let messagesReceived: Counter
    let messagesSent: Counter
    let bytesReceived: Counter
    let bytesSent: Counter

    init(factory: any MetricsFactory) {
        pollingSessions = Meter(label: "switchboard_engine_sessions", dimensions: [("transport", "polling")], factory: factory)
        webSocketSessions = Meter(label: "switchboard_engine_sessions", dimensions: [("transport", "websocket")], factory: factory)
        pollingHandshakes = Counter(
            label: "switchboard_engine_handshakes_total", dimensions: [("transport", "polling")], factory: factory)
        webSocketHandshakes = Counter(
            label: "switchboard_engine_handshakes_total", dimensions: [("transport", "websocket")], factory: factory)
        var errors: [Int: Counter] = [:]
        for code in 0...7 {
            errors[code] = Counter(
                label: "switchboard_engine_handshake_errors_total", dimensions: [("code", String(code))], factory: factory)
        }
        handshakeErrors = errors
        otherHandshakeErrors = Counter(
            label: "switchboard_engine_handshake_errors_total", dimensions: [("code", "other")], factory: factory)
        func limit(_ name: String) -> Counter {
            Counter(label: "switchboard_engine_limit_hits_total", dimensions: [("limit", name)], factory: factory)
        }
        sessionCapHits = limit("max_sessions")
        addressCapHits = limit("max_sessions_per_address")
        connectRateHits = limit("connect_rate")
        maxPayloadHits = limit("max_payload")
        slowConsumerDisconnects = Counter(label: "switchboard_engine_slow_consumer_disconnects_total", factory: factory)
        messagesReceived = Counter(label: "switchboard_engine_messages_received_total", factory: factory)
        messagesSent = Counter(label: "switchboard_engine_messages_sent_total", factory: factory)
        bytesReceived = Counter(label: "switchboard_engine_message_bytes_received_total", factory: factory)
        bytesSent = Counter(label: "switchboard_engine_message_bytes_sent_total", factory: factory)
    }

    func sessions(_ transport: EngineTransportKind) -> Meter {
        transport == .polling ? pollingSessions : webSocketSessions
    }

    func handshake(_ transport: EngineTransportKind) {
        (transport == .polling ? pollingHandshakes : webSocketHandshakes).increment()
    }

    func handshakeError(_ error: EngineRequestError) {
        (handshakeErrors[error.code] ?? otherHandshakeErrors).increment()
    }

    func limitHit(_ refusal: AdmissionRefusal) {
        switch refusal {
        case .serverAtCapacity: sessionCapHits.increment()
        case .addressAtCapacity: addressCapHits.increment()
        case .rateLimited: connectRateHits.increment()
        }
    }

    func received(_ message: EngineMessage) {
        messagesReceived.increment()
        switch message {
        case .text(let payload), .binary(let payload): bytesReceived.increment(by: payload.readableBytes)
        }
    }

    func sessionClosed(transport: EngineTransportKind, reason: EngineCloseReason) {
        sessions(transport).decrement()
        if reason == .slowConsumer { slowConsumerDisconnects.increment() }
    }
}
