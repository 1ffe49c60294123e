import Logging
import NIOConcurrencyHelpers
import SwitchboardClient
import SwitchboardConformance
import SwitchboardJSON
import SwitchboardTransport
import Testing

/// Records the events a socket sees, for tests to wait on.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[(name: String, arguments: [JSONValue], at: ContinuousClock.Instant)]>([])

    /// Records `names` (and every server event) from `socket`.
    init(_ socket: SocketIOClient, names: [String] = [
        "connect", "disconnect", "connect_error", "reconnect_attempt", "reconnect", "reconnect_error", "reconnect_failed",
    ]) {
        for name in names {
            socket.on(name) { [events] arguments, _ in events.withLockedValue { $0.append((name, arguments, .now)) } }
        }
        socket.onAny { [events] name, arguments, _ in events.withLockedValue { $0.append((name, arguments, .now)) } }
    }

    /// The arguments of every recorded `name`, in order.
    func all(_ name: String) -> [[JSONValue]] {
        events.withLockedValue { $0.filter { $0.name == name }.map(\.arguments) }
    }

    /// When each `name` was recorded, in order.
    func times(_ name: String) -> [ContinuousClock.Instant] {
        events.withLockedValue { $0.filter { $0.name == name }.map(\.at) }
    }

    /// The names of every recorded event, in order.
    var names: [String] {
        events.withLockedValue { $0.map(\.name) }
    }

    /// Waits until `name` was recorded `count` times; returns the arguments of the last one.
    @discardableResult
    func wait(for name: String, count: Int = 1, timeout: Duration = .seconds(10)) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let seen = all(name)
            if seen.count >= count { return seen[count - 1] }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting for '\(name)' ×\(count); saw \(events.withLockedValue { $0.map(\.name) })")
        throw TimedOut()
    }

    struct TimedOut: Error {}
}

/// Waits up to 5 s for `socket`'s manager to move to WebSocket; whether it did.
func waitForUpgrade(_ socket: SocketIOClient) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(5)
    while socket.manager.currentTransport != .websocket && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
    }
    return socket.manager.currentTransport == .websocket
}

/// Our conformance server on loopback, started and stopped by the test.
struct LoopbackServer {
    let server: ConformanceServer
    let port: Int

    static func start(port: Int = 0) async throws -> LoopbackServer {
        var logger = Logger(label: "test.server")
        logger.logLevel = .critical
        // Pings every 300 ms as in conformance mode, but 5 s for the pong: a client descheduled on a loaded
        // machine must not turn these behaviour tests into heartbeat-timeout tests.
        var engine = ConformanceServer.engineConfiguration
        engine.pingTimeout = 5_000
        let server = try ConformanceServer(host: "127.0.0.1", port: port, engineConfiguration: engine, logger: logger)
        let bound = try await server.http.start()
        return LoopbackServer(server: server, port: bound)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        await server.http.stop()
    }
}
