import NIOConcurrencyHelpers
import SocketIO
import SwitchboardJSON

/// A handler for an event: its arguments, and the responder when the server asked for an acknowledgement.
public typealias SocketIOEventHandler = @Sendable (_ arguments: [JSONValue], _ ack: SocketIOAckResponder?) -> Void

/// A handler for every incoming server event (not the reserved lifecycle events): name, arguments, responder.
public typealias SocketIOAnyEventHandler = @Sendable (_ event: String, _ arguments: [JSONValue], _ ack: SocketIOAckResponder?) -> Void

/// Answers the server's acknowledgement request for one event; only the first answer is sent.
public struct SocketIOAckResponder: Sendable {
    let socket: SocketIOClient
    let ackID: Int
    /// Set by the first answer; shared by every copy of the responder.
    private let answered = NIOLockedValueBox(false)

    init(socket: SocketIOClient, ackID: Int) {
        self.socket = socket
        self.ackID = ackID
    }

    /// Sends the acknowledgement with `arguments`.
    public func callAsFunction(_ arguments: JSONValue...) {
        send(arguments)
    }

    /// Sends the acknowledgement with `arguments`.
    public func send(_ arguments: [JSONValue]) {
        let first = answered.withLockedValue { answered in
            defer { answered = true }
            return !answered
        }
        guard first else { return }
        socket.sendAck(id: ackID, arguments: arguments)
    }
}
