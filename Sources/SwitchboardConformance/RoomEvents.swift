import SocketIO

/// `join`(room, ack?) and `leave`(room, ack?): join or leave the room, then acknowledge with its name.
/// Both the conformance and the benchmark contracts use them.
enum RoomEvents {
    static func install(on socket: SocketIOSocket) {
        socket.on("join") { socket, arguments, ack in
            guard let room = arguments.first?.stringValue else { return }
            socket.join(room)
            ack?(.string(room))
        }
        socket.on("leave") { socket, arguments, ack in
            guard let room = arguments.first?.stringValue else { return }
            socket.leave(room)
            ack?(.string(room))
        }
    }
}
