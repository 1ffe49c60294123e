import Logging
import ServiceLifecycle

extension ServiceGroup {
    /// Runs `services` until SIGINT or SIGTERM asks for a graceful shutdown (which stops them in
    /// reverse order: list what others depend on first).
    static func runUntilSignal(_ services: any Service..., logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
