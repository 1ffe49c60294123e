import Logging
import ServiceLifecycle

extension ServiceGroup {
    /// Runs `service` until SIGINT or SIGTERM asks for a graceful shutdown.
    static func runUntilSignal(_ service: any Service, logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
