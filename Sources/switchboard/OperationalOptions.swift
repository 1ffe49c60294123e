import ArgumentParser
import SwitchboardMetrics
import SwitchboardTLS
import SwitchboardTransport

/// The operational pieces the server commands share: TLS from PEM files, `/metrics` and `/readyz`.
enum OperationalOptions {
    /// TLS from `certificate` and `key`, `nil` when neither is given; one without the other is a usage error.
    static func security(certificate: String?, key: String?) throws -> TransportSecurity? {
        switch (certificate, key) {
        case (nil, nil): return nil
        case (let certificate?, let key?):
            return try TransportSecurity.tls(certificateChainPath: certificate, privateKeyPath: key)
        default: throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    /// Adds `GET /metrics` (Prometheus text) and `GET /readyz`.
    static func addRoutes(to router: inout HTTPRouter, metrics: PrometheusMetrics, readiness: ServerReadiness) {
        metrics.addRoute(to: &router)
        ReadinessRoute.add(to: &router, readiness: readiness)
    }
}
