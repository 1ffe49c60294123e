import EngineIO
import Foundation
import Logging
import Prometheus
import SwitchboardMetrics
import SwitchboardTransport
import Testing

/// Runs curl (a real HTTP peer) on a Dispatch thread, so that the blocking wait never holds one of the
/// cooperative threads that parallel timing-sensitive tests need; returns `(status, body)`.
func curl(_ url: String) async throws -> (status: Int, body: String) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try curlBlocking(url) }) }
    }
}

/// Runs curl and waits for it; curl missing fails loudly.
func curlBlocking(_ url: String) throws -> (status: Int, body: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-s", "-w", "\n%{http_code}", url]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    let split = text.lastIndex(of: "\n")!
    return (Int(text[text.index(after: split)...]) ?? 0, String(text[..<split]))
}

@Suite("Prometheus /metrics and /readyz", .timeLimit(.minutes(1)))
struct PrometheusMetricsTests {
    @Test func metricsCountHandshakesErrorsSessionsAndLimitHits() async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = PrometheusMetrics(registry: registry)
        var configuration = EngineConfiguration()
        configuration.limits = ServerLimits(maxSessions: 1, maxSessionsPerAddress: nil, connectRate: nil)
        let engine = EngineServer(
            configuration: configuration, delegate: EngineEchoDelegate(), logger: Logger(label: "test"),
            metricsFactory: PrometheusMetricsFactory(registry: registry))
        let readiness = ServerReadiness()
        var router = HTTPRouter()
        router.mount(engine, at: "/engine.io/")
        metrics.addRoute(to: &router)
        ReadinessRoute.add(to: &router, readiness: readiness)
        let server = HTTPServer(host: "127.0.0.1", port: 0, router: router, readiness: readiness, logger: Logger(label: "test"))
        let port = try await server.start()
        let base = "http://127.0.0.1:\(port)"

        #expect(try await curl("\(base)/readyz") == (200, "ready\n"))
        #expect(try await curl("\(base)/engine.io/?EIO=4&transport=polling").status == 200)
        #expect(try await curl("\(base)/engine.io/?EIO=3&transport=polling").status == 400)
        #expect(try await curl("\(base)/engine.io/?EIO=4&transport=polling").status == 503)

        let exposition = try await curl("\(base)/metrics")
        #expect(exposition.status == 200)
        let lines = Set(exposition.body.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"switchboard_engine_handshakes_total{transport="polling"} 1"#))
        #expect(lines.contains(#"switchboard_engine_handshake_errors_total{code="5"} 1"#))
        #expect(lines.contains(#"switchboard_engine_handshake_errors_total{code="6"} 1"#))
        #expect(lines.contains(#"switchboard_engine_limit_hits_total{limit="max_sessions"} 1"#))
        #expect(lines.contains(#"switchboard_engine_sessions{transport="polling"} 1.0"#))

        await server.stop()
        #expect(!readiness.isReady)
    }

    @Test func readinessIsFalseBeforeTheServerListens() {
        let readiness = ServerReadiness()
        #expect(!readiness.isReady)
        readiness.setReady(true)
        #expect(readiness.isReady)
    }
}
