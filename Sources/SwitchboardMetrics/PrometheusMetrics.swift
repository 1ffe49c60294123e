import Metrics
import NIOCore
import NIOHTTP1
import Prometheus
import SwitchboardTransport

/// Prometheus exposition of the swift-metrics the server records.
///
/// ```swift
/// let metrics = PrometheusMetrics.bootstrap()   // once, before any EngineServer is created
/// var router = HTTPRouter()
/// metrics.addRoute(to: &router)                 // GET /metrics
/// ```
public struct PrometheusMetrics: Sendable {
    /// The registry that holds every metric and renders the text exposition.
    public let registry: PrometheusCollectorRegistry

    /// Exposes `registry` without touching the global `MetricsSystem` (pass a
    /// `PrometheusMetricsFactory(registry:)` to the servers yourself).
    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Bootstraps `MetricsSystem` with a Prometheus factory over a new registry and returns its exposition.
    /// Call it once per process, before creating servers: metrics created earlier stay unrecorded.
    public static func bootstrap() -> PrometheusMetrics {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return PrometheusMetrics(registry: registry)
    }

    /// The text exposition (format 0.0.4) of every metric.
    public func render() -> ByteBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4_096)
        registry.emit(into: &bytes)
        return ByteBuffer(bytes: bytes)
    }

    /// Answers `GET path` (default `/metrics`) with ``render()``.
    public func addRoute(to router: inout HTTPRouter, path: String = "/metrics") {
        let metrics = self
        router.addRoute(.GET, path) { _ in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            headers.add(name: "Cache-Control", value: "no-store")
            return HTTPResponse(status: .ok, headers: headers, body: metrics.render())
        }
    }
}

/// The readiness probe route.
public enum ReadinessRoute {
    /// Answers `GET path` (default `/readyz`): `200 ready` while `readiness` is ready, `503 not ready`
    /// before the server listens and from the start of its shutdown.
    public static func add(to router: inout HTTPRouter, readiness: ServerReadiness, path: String = "/readyz") {
        router.addRoute(.GET, path) { _ in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "Cache-Control", value: "no-store")
            return readiness.isReady
                ? HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: "ready\n"))
                : HTTPResponse(status: .serviceUnavailable, headers: headers, body: ByteBuffer(string: "not ready\n"))
        }
    }
}
