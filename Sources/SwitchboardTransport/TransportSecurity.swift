import NIOCore

/// What runs in front of HTTP on every accepted connection, e.g. TLS (`SwitchboardTLS` builds one).
///
/// ``HTTPServer`` calls ``configure`` on the connection's event loop before it adds its HTTP handlers, so
/// the handlers added here see the raw bytes first (a `NIOSSLServerHandler`).
public struct TransportSecurity: Sendable {
    /// Whether connections set up this way are encrypted; sets ``EngineIO/EngineHandshake/isSecure``.
    public var isSecure: Bool
    /// Adds the handlers to a newly accepted connection's pipeline (synchronously, on its event loop).
    public var configure: @Sendable (any Channel) throws -> Void

    /// Creates a security layer.
    public init(isSecure: Bool, configure: @escaping @Sendable (any Channel) throws -> Void) {
        self.isSecure = isSecure
        self.configure = configure
    }
}
