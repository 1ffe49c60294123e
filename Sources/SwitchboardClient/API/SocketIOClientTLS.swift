import NIOCore

/// How the client secures its connections for `https://` and `wss://` URLs: a hook that adds the TLS
/// handler to each new channel before the HTTP handlers.
///
/// This module does not link a TLS library; `SwitchboardClientTLS` makes one from SwiftNIO SSL:
///
/// ```swift
/// import SwitchboardClientTLS
/// var options = SocketIOClientOptions()
/// options.tls = try .tls(trustRootsPath: "ca.pem")   // or .tls() for the system trust roots
/// let socket = try SocketIOClient.socket(url: "https://chat.example.com", options: options)
/// ```
public struct SocketIOClientTLS: Sendable {
    /// Adds the TLS handler to a new channel (on its event loop), for a connection to `host`.
    public typealias HandlerInstaller = @Sendable (_ channel: any Channel, _ host: String) throws -> Void

    let addHandlers: HandlerInstaller

    /// A TLS setup that calls `addHandlers` for every new connection.
    public init(addHandlers: @escaping HandlerInstaller) {
        self.addHandlers = addHandlers
    }
}
