import Foundation
import NIOConcurrencyHelpers
import SocketIO
import SwitchboardJSON

/// The chat's Socket.IO events on the main namespace, over one shared ``ChatRoomState``.
///
/// Client → server: `register`(name, ack), `sendMessage`({text}, ack), `typing`(bool).
/// Server → client: `chatHistory`([message]) on connection, `receiveMessage`(message) to everyone,
/// `typing`({name, typing}) to everyone else. Acks are `{ok:true, ...}` or `{ok:false, error, code}`.
final class ChatEvents: Sendable {
    private let state: NIOLockedValueBox<ChatRoomState>
    private let historyOnConnect: Int

    init(configuration: ChatServerConfiguration) {
        self.state = NIOLockedValueBox(
            ChatRoomState(rules: configuration.rules, historyCapacity: configuration.historyCapacity)
        )
        self.historyOnConnect = configuration.historyOnConnect
    }

    /// Installs the handlers on `io`'s main namespace.
    func install(on io: SocketIOServer) {
        io.onConnection { [self] socket in
            let history = state.withLockedValue { $0.history.latest(historyOnConnect) }
            socket.emit("chatHistory", .array(history.map(\.json)))

            socket.on("register") { [self] socket, arguments, ack in
                guard let raw = arguments.first?.stringValue else {
                    ack?(Self.failure(ChatError(.badRequest, "register expects a name")))
                    return
                }
                switch mutate({ state throws(ChatError) in try state.register(socketID: socket.id, name: raw) }) {
                case .success(let name): ack?(["ok": true, "name": .string(name)])
                case .failure(let error): ack?(Self.failure(error))
                }
            }

            socket.on("sendMessage") { [self] socket, arguments, ack in
                guard let text = arguments.first?["text"]?.stringValue ?? arguments.first?.stringValue else {
                    ack?(Self.failure(ChatError(.badRequest, "sendMessage expects {text}")))
                    return
                }
                let now = Self.nowMilliseconds()
                switch mutate({ state throws(ChatError) in try state.send(socketID: socket.id, text: text, nowMilliseconds: now) }) {
                case .success(let message):
                    socket.namespace.emit("receiveMessage", message.json)
                    ack?(["ok": true, "id": .string(message.id), "timestamp": .int(message.timestamp)])
                case .failure(let error):
                    ack?(Self.failure(error))
                }
            }

            socket.on("typing") { [self] socket, arguments, _ in
                guard let name = state.withLockedValue({ $0.names[socket.id] }) else { return }
                let typing = arguments.first?.boolValue ?? false
                socket.broadcast.emit("typing", ["name": .string(name), "typing": .bool(typing)])
            }

            socket.onDisconnect { [self] socket, _ in
                if let name = state.withLockedValue({ $0.unregister(socketID: socket.id) }) {
                    socket.namespace.emit("typing", ["name": .string(name), "typing": false])
                }
            }
        }
    }

    /// Runs a state change under the lock and returns its outcome.
    private func mutate<T>(_ body: (inout ChatRoomState) throws(ChatError) -> T) -> Result<T, ChatError> {
        state.withLockedValue { state in Result { () throws(ChatError) in try body(&state) } }
    }

    static func failure(_ error: ChatError) -> JSONValue {
        ["ok": false, "error": .string(error.message), "code": .string(error.code.rawValue)]
    }

    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

extension ChatMessage {
    /// The wire form: `{id, name, text, timestamp}`.
    var json: JSONValue {
        ["id": .string(id), "name": .string(name), "text": .string(text), "timestamp": .int(timestamp)]
    }
}
