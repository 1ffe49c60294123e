import NIOCore
import SwitchboardJSON

extension SocketIOSocket {
    /// Sends `event` with `arguments` to this client. Binary leaves become attachments.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        emit(event, arguments: arguments)
    }

    /// Sends `event` with `arguments` to this client.
    public func emit(_ event: String, arguments: [JSONValue]) {
        runOnLoop { $0.emitOnLoop(event, arguments: arguments, timeout: nil, ack: nil) }
    }

    /// Sends `event` and calls `ack` with the client's acknowledgement (or a failure if the socket
    /// disconnects first). Without a timeout the callback may wait for as long as the socket lives.
    public func emit(_ event: String, _ arguments: JSONValue..., ack: @escaping AckCallback) {
        emit(event, arguments: arguments, ack: ack)
    }

    /// Sends `event` and calls `ack` with the client's acknowledgement.
    public func emit(_ event: String, arguments: [JSONValue], ack: @escaping AckCallback) {
        runOnLoop { $0.emitOnLoop(event, arguments: arguments, timeout: nil, ack: ack) }
    }

    /// An emitter whose acknowledgements fail with ``SocketIOAckError/Code/timeout`` after `timeout`.
    public func timeout(_ timeout: TimeAmount) -> SocketIOTimedEmitter {
        SocketIOTimedEmitter(socket: self, timeout: timeout)
    }

    /// An emitter whose events are dropped when the connection cannot take them now
    /// (``EngineIO/EngineConnection/isWritable`` is `false`).
    public var volatile: SocketIOSocketEmitter { SocketIOSocketEmitter(socket: self).volatile }

    /// An emitter whose events the transport may compress or not.
    public func compress(_ compress: Bool) -> SocketIOSocketEmitter { SocketIOSocketEmitter(socket: self).compress(compress) }

    /// Sends `event` and waits for the client's acknowledgement (no time limit; use ``timeout(_:)`` for one).
    public func emitWithAck(_ event: String, _ arguments: JSONValue...) async throws(SocketIOAckError) -> [JSONValue] {
        try await Self.awaitAck(socket: self, event: event, arguments: arguments, timeout: nil)
    }

    /// Sends `event` with `arguments` and waits for the client's acknowledgement (no time limit).
    public func emitWithAck(_ event: String, arguments: [JSONValue]) async throws(SocketIOAckError) -> [JSONValue] {
        try await Self.awaitAck(socket: self, event: event, arguments: arguments, timeout: nil)
    }

    static func awaitAck(
        socket: SocketIOSocket, event: String, arguments: [JSONValue], timeout: TimeAmount?
    ) async throws(SocketIOAckError) -> [JSONValue] {
        let result: Result<[JSONValue], SocketIOAckError> = await withCheckedContinuation { continuation in
            socket.runOnLoop { socket in
                socket.emitOnLoop(event, arguments: arguments, timeout: timeout) { result in
                    continuation.resume(returning: result)
                }
            }
        }
        return try result.get()
    }
}

/// Emits from one socket with flags (`socket.volatile`, `socket.compress(false)`), chainable in any order.
public struct SocketIOSocketEmitter: Sendable {
    /// The socket that emits.
    public let socket: SocketIOSocket
    /// The flags (``SocketIOBroadcastOptions/Flags/volatile`` and ``SocketIOBroadcastOptions/Flags/compress`` apply).
    public var flags = SocketIOBroadcastOptions.Flags()

    init(socket: SocketIOSocket) { self.socket = socket }

    /// Drops the event if the connection cannot take it now.
    public var volatile: SocketIOSocketEmitter {
        var copy = self
        copy.flags.volatile = true
        return copy
    }

    /// Sets whether the transport may compress the event.
    public func compress(_ compress: Bool) -> SocketIOSocketEmitter {
        var copy = self
        copy.flags.compress = compress
        return copy
    }

    /// Adds an acknowledgement time limit.
    public func timeout(_ timeout: TimeAmount) -> SocketIOTimedEmitter {
        var timed = SocketIOTimedEmitter(socket: socket, timeout: timeout)
        timed.flags = flags
        return timed
    }

    /// Sends `event` with `arguments`.
    public func emit(_ event: String, _ arguments: JSONValue...) {
        emit(event, arguments: arguments)
    }

    /// Sends `event` with `arguments`.
    public func emit(_ event: String, arguments: [JSONValue]) {
        let flags = flags
        socket.runOnLoop { $0.emitOnLoop(event, arguments: arguments, timeout: nil, ack: nil, flags: flags) }
    }
}

/// Emits from one socket with an acknowledgement time limit (`socket.timeout(.seconds(5))`).
public struct SocketIOTimedEmitter: Sendable {
    /// The socket that emits.
    public let socket: SocketIOSocket
    /// How long to wait for each acknowledgement.
    public let timeout: TimeAmount
    /// Delivery flags (volatile, compress).
    public var flags = SocketIOBroadcastOptions.Flags()

    init(socket: SocketIOSocket, timeout: TimeAmount) {
        self.socket = socket
        self.timeout = timeout
    }

    /// Drops the event if the connection cannot take it now (the acknowledgement then times out).
    public var volatile: SocketIOTimedEmitter {
        var copy = self
        copy.flags.volatile = true
        return copy
    }

    /// Sets whether the transport may compress the event.
    public func compress(_ compress: Bool) -> SocketIOTimedEmitter {
        var copy = self
        copy.flags.compress = compress
        return copy
    }

    /// Sends `event`; `ack` receives the client's acknowledgement, or a timeout or disconnection failure.
    public func emit(_ event: String, _ arguments: JSONValue..., ack: @escaping SocketIOSocket.AckCallback) {
        emit(event, arguments: arguments, ack: ack)
    }

    /// Sends `event`; `ack` receives the client's acknowledgement, or a timeout or disconnection failure.
    public func emit(_ event: String, arguments: [JSONValue], ack: @escaping SocketIOSocket.AckCallback) {
        let timeout = timeout
        let flags = flags
        socket.runOnLoop { $0.emitOnLoop(event, arguments: arguments, timeout: timeout, ack: ack, flags: flags) }
    }

    /// Sends `event` and waits for the acknowledgement; throws on timeout or disconnection.
    public func emitWithAck(_ event: String, _ arguments: JSONValue...) async throws(SocketIOAckError) -> [JSONValue] {
        try await SocketIOSocket.awaitAck(socket: socket, event: event, arguments: arguments, timeout: timeout)
    }

    /// Sends `event` with `arguments` and waits for the acknowledgement.
    public func emitWithAck(_ event: String, arguments: [JSONValue]) async throws(SocketIOAckError) -> [JSONValue] {
        try await SocketIOSocket.awaitAck(socket: socket, event: event, arguments: arguments, timeout: timeout)
    }
}

/// The acknowledgement a client asked for with an event. Send it once; later calls are ignored.
public final class SocketIOAcknowledgement: Sendable {
    /// The acknowledgement id the client chose.
    public let id: Int
    private let socket: SocketIOSocket
    private let sent = OnceFlag()

    init(socket: SocketIOSocket, id: Int) {
        self.socket = socket
        self.id = id
    }

    /// Sends the acknowledgement with `arguments`.
    public func callAsFunction(_ arguments: JSONValue...) {
        send(arguments: arguments)
    }

    /// Sends the acknowledgement with `arguments`.
    public func send(arguments: [JSONValue]) {
        guard sent.setIfUnset() else { return }
        let id = id
        socket.runOnLoop { $0.sendAckOnLoop(id: id, arguments: arguments) }
    }
}
