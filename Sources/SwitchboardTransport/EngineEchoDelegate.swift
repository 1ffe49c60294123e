import EngineIO
import NIOCore

/// Sends every message of every session back to the same session, with the same type (text or binary).
///
/// The conformance app mounts it at `/engine.io/`; tests use it too.
public final class EngineEchoDelegate: EngineServerDelegate, EngineConnectionDelegate {
    /// Creates the echo delegate.
    public init() {}

    /// Takes the new session as its own delegate.
    public func engineServer(didAccept connection: any EngineConnection) {
        connection.delegate = self
    }

    /// Echoes the message.
    public func engineConnection(_ connection: any EngineConnection, didReceive message: EngineMessage) {
        switch message {
        case .text(let payload): connection.send(OutboundEngineMessage(text: payload))
        case .binary(let payload): connection.send(OutboundEngineMessage(binary: payload))
        }
    }

    /// Nothing to clean up.
    public func engineConnection(_ connection: any EngineConnection, didCloseWith reason: EngineCloseReason) {}
}
