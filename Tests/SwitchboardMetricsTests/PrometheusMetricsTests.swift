import EngineIO
import Foundation
import Logging
import Prometheus
import SwitchboardMetrics
import SwitchboardTestSupport
import SwitchboardTransport
import Testing

/// Runs curl (a real HTTP peer) off the cooperative threads, which parallel timing-sensitive tests need;
/// returns `(status, body)`. curl missing fails loudly.
func curl(_ url: String) async throws -> (status: Int, body: String) {
    let text = try await ExternalProgram.runDetached("/usr/bin/curl", ["-s", "-w", "\n%{http_code}", url], errorOutput: .inherited).output
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
