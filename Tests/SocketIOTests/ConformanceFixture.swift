import SocketIO
import SwitchboardJSON

/// The reference behaviour of CONFORMANCE.md's `/socket.io/`, written with the public API
/// (the conformance app does the same).
enum ConformanceFixture {
    static func install(on io: SocketIOServer) {
        io.onConnection { socket in
            socket.emit("auth", socket.handshake.auth)
            socket.on("message") { socket, args, _ in
                socket.emit("message-back", arguments: args)
            }
            socket.on("message-with-ack") { _, args, ack in
                ack?.send(arguments: args)
            }
            socket.on("join") { socket, args, ack in
                guard let room = args.first?.stringValue else { return }
                socket.join(room)
                ack?(.string(room))
            }
            socket.on("leave") { socket, args, ack in
                guard let room = args.first?.stringValue else { return }
                socket.leave(room)
                ack?(.string(room))
            }
            socket.on("broadcast-to-room") { socket, args, ack in
                guard let room = args.first?.stringValue else { return }
                io.to(room).emit("room-message", .string(room), args.count > 1 ? args[1] : .null)
                ack?(true)
            }
        }
        io.of("/custom").onConnection { socket in
            socket.emit("auth", socket.handshake.auth)
        }
    }
}
