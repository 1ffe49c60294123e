import NIOConcurrencyHelpers

/// Whether a server accepts work: `false` until ``HTTPServer`` listens, `false` again from the moment it
/// starts shutting down. A readiness probe (`/readyz`) reads it; pass the same instance to the server.
public final class ServerReadiness: Sendable {
    private let ready = NIOLockedValueBox(false)

    /// A readiness flag that starts not ready.
    public init() {}

    /// Whether the server is listening and not shutting down.
    public var isReady: Bool { ready.withLockedValue { $0 } }

    /// Sets the flag (``HTTPServer`` does it; call it yourself to take an instance out of rotation early).
    public func setReady(_ value: Bool) { ready.withLockedValue { $0 = value } }
}
