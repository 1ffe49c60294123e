import NIOCore
import SwitchboardJSON

/// An emit with flags (`timeout`, `volatile`), made by ``SocketIOClient/timeout(_:)`` or ``SocketIOClient/volatile``.
public struct SocketIOClientEmitter: Sendable {
    let socket: SocketIOClient
    var options: NamespaceSocketStateMachine.EmitOptions

    /// The same emitter with an acknowledgement deadline.
    public func timeout(_ duration: Duration) -> SocketIOClientEmitter {
        var copy = self
        copy.options.timeout = duration.timeAmount
        return copy
    }

    /// The same emitter, dropping the emit unless connected right now.
    public var volatile: SocketIOClientEmitter {
        var copy = self
        copy.options.isVolatile = true
        return copy
    }

    /// Emits `event` with `arguments`.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        socket.emit(event, arguments: arguments, options: options, ack: nil)
    }

    /// Emits `event` with `arguments`, no acknowledgement.
    public func emit(_ event: String, arguments: [JSONValue]) {
        socket.emit(event, arguments: arguments, options: options, ack: nil)
    }

    /// Emits `event` and calls `ack` with the server's answer or the failure (timeout, disconnection).
    public func emit(
        _ event: String, _ arguments: JSONValue...,
        ack: @escaping @Sendable (Result<[JSONValue], SocketIOClientError>) -> Void
    ) {
        var flags = options
        flags.wantsAck = true
        socket.emit(event, arguments: arguments, options: flags, ack: ack)
    }

    /// Emits `event` and waits for the server's acknowledgement.
    public func emitWithAck(_ event: String, _ arguments: JSONValue...) async throws(SocketIOClientError) -> [JSONValue] {
        try await emitWithAck(event, arguments: arguments)
    }

    /// Emits `event` and waits for the server's acknowledgement.
    public func emitWithAck(_ event: String, arguments: [JSONValue]) async throws(SocketIOClientError) -> [JSONValue] {
        var flags = options
        flags.wantsAck = true
        let result: Result<[JSONValue], SocketIOClientError> = await withCheckedContinuation { continuation in
            socket.emit(event, arguments: arguments, options: flags) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }
}
