import Logging
import ServiceLifecycle

extension ServiceGroup {
    /// Runs `service` until SIGINT or SIGTERM asks for a graceful shutdown.
    static func runUntilSignal(_ service: any Service, logger: Logger) async throws {
        try await runUntilSignal([service], logger: logger)
    }

    /// Runs `services` until SIGINT or SIGTERM asks for a graceful shutdown.
    static func runUntilSignal(_ services: [any Service], logger: Logger) async throws {
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
