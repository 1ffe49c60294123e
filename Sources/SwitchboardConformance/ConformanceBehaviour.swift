import SocketIO
import SwitchboardJSON

/// The Socket.IO reference behaviour of conformance mode.
public enum ConformanceBehaviour {
    /// Installs the namespaces and handlers on `io`:
    /// - `/`: emits `auth` with the handshake auth on connection; `message` → `message-back` with the
    ///   same arguments; `message-with-ack` → acknowledged with the same arguments; `join`/`leave`(room, ack)
    ///   ack with the room; `broadcast-to-room`(room, payload, ack) emits `room-message`(room, payload)
    ///   to the room, then acks `true`; `server-ack`(payload, ack) emits `ping-client`(payload) to the
    ///   sender with an acknowledgement (5 s timeout) and acks with the client's answer, or with
    ///   `{"error":"..."}` when the client did not answer in time (server→client acks, for interop tests).
    /// - `/custom`: emits `auth` with the handshake auth on connection.
    /// - `/` and `/custom` also serve the client interop suites' ``ClientTestEvents``.
    /// - `/guarded`: like `/custom` plus `message-with-ack`, behind a middleware that refuses any auth
    ///   other than `{"token":"secret"}` with `{"message":"not authorized","data":{"reason":"bad token"}}`
    ///   (used by the interop tests for middleware rejection).
    public static func install(on io: SocketIOServer) {
        io.onConnection { socket in
            socket.emit("auth", socket.handshake.auth)
            socket.on("message") { socket, arguments, _ in
                socket.emit("message-back", arguments: arguments)
            }
            installAckEcho(on: socket)
            RoomEvents.install(on: socket)
            ClientTestEvents.install(on: socket)
            socket.on("broadcast-to-room") { socket, arguments, ack in
                guard let room = arguments.first?.stringValue else { return }
                let payload = arguments.count > 1 ? arguments[1] : .null
                socket.namespace.to(room).emit("room-message", .string(room), payload)
                ack?(.bool(true))
            }
        }

        io.mainNamespace.onConnection { socket in
            socket.on("server-ack") { socket, arguments, ack in
                socket.timeout(.seconds(5)).emit("ping-client", arguments: arguments) { result in
                    switch result {
                    case .success(let answer): ack?.send(arguments: answer)
                    case .failure(let error): ack?(["error": .string(error.description)])
                    }
                }
            }
        }

        io.of("/custom").onConnection { socket in
            socket.emit("auth", socket.handshake.auth)
            ClientTestEvents.install(on: socket)
        }

        let guarded = io.of("/guarded")
        guarded.use { socket, next in
            if socket.handshake.auth == ["token": "secret"] {
                next(nil)
            } else {
                next(SocketIOMiddlewareError(message: "not authorized", data: ["reason": "bad token"]))
            }
        }
        guarded.onConnection { socket in
            socket.emit("auth", socket.handshake.auth)
            installAckEcho(on: socket)
        }
    }

    /// `message-with-ack` → acknowledged with the same arguments.
    static func installAckEcho(on socket: SocketIOSocket) {
        socket.on("message-with-ack") { _, arguments, ack in
            ack?.send(arguments: arguments)
        }
    }
}
