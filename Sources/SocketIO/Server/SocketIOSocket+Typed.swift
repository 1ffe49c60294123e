import SwitchboardJSON

/// A typed event's payload did not decode into the expected type.
public struct SocketIOPayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The event name.
    public var event: String
    /// The expected type's name.
    public var expectedType: String
    /// What the decoder reported.
    public var reason: String

    /// Creates the error.
    public init(event: String, expectedType: String, reason: String) {
        self.event = event
        self.expectedType = expectedType
        self.reason = reason
    }

    /// A readable form of the error.
    public var description: String { "payload of \"\(event)\" is not a valid \(expectedType): \(reason)" }
}

extension SocketIOSocket {
    /// Registers a handler of `event` whose first argument is decoded as `Payload`.
    ///
    /// A payload that does not decode is never passed on: the error is logged, goes to the socket's
    /// ``onError(_:)`` handlers as a ``SocketIOPayloadError``, and, when the client asked for an
    /// acknowledgement and `acknowledgeInvalidPayloads` is true, the client gets
    /// `{"error":"invalid payload","message":...}` as the acknowledgement.
    ///
    /// ```swift
    /// struct ChatMessage: Codable, Sendable { var room: String; var text: String }
    /// socket.on("message", as: ChatMessage.self) { socket, message, ack in
    ///     socket.to(message.room).emit("message", .string(message.text))
    ///     ack?(true)
    /// }
    /// ```
    public func on<Payload: Decodable & Sendable>(
        _ event: String, as type: Payload.Type, acknowledgeInvalidPayloads: Bool = true,
        _ handler: @escaping @Sendable (SocketIOSocket, Payload, SocketIOAcknowledgement?) -> Void
    ) {
        on(event) { socket, arguments, ack in
            let payload: Payload
            do {
                payload = try JSONValueDecoder().decode(Payload.self, from: arguments.first ?? .null)
            } catch {
                let failure = SocketIOPayloadError(event: event, expectedType: "\(Payload.self)", reason: "\(error)")
                socket.logger.debug("invalid typed payload", metadata: ["socket.event": "\(event)", "socket.error": "\(failure)"])
                socket.reportError(failure)
                if acknowledgeInvalidPayloads {
                    ack?(["error": "invalid payload", "message": .string(failure.description)])
                }
                return
            }
            handler(socket, payload, ack)
        }
    }

    /// Sends `event` with `payload` encoded as one JSON argument. A payload that cannot be encoded
    /// (a non-finite number) is not sent; the error is thrown.
    public func emit(_ event: String, encoding payload: some Encodable) throws {
        let value = try JSONValueEncoder().encode(payload)
        emit(event, arguments: [value])
    }
}

extension SocketIOBroadcastOperator {
    /// Sends `event` with `payload` encoded as one JSON argument to the selected sockets.
    public func emit(_ event: String, encoding payload: some Encodable) throws {
        emit(event, arguments: [try JSONValueEncoder().encode(payload)])
    }
}
