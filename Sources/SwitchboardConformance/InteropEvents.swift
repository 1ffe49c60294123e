import NIOCore
import SocketIO
import SwitchboardJSON

/// Test-only behaviour of `bench-server --interop-events`, for the python interop tests of the Socket.IO
/// features (the conformance server stays exactly as CONFORMANCE.md says):
///
/// - `/static`: a static namespace; on connection it emits `hello`(namespace name).
/// - `/dyn-<digits>`: dynamic namespaces (regex); on connection `hello`(namespace name).
/// - `/team-<name>`: dynamic namespaces (closure) that only accept `auth` `{"team": "<name>"}`;
///   `/team-static` is also a static namespace, which wins over the dynamic rule (it accepts anyone).
/// - `join` / `leave` in every namespace (the benchmark contract has them in `/` only).
/// - `whoami`(ack) → ack({id, recovered, rooms, namespace}).
/// - `ask`(room, timeoutMs, payload, ack): broadcasts `question`(payload) to the room with a time limit and
///   acks `{"answers": [first argument of each ack, sorted as strings], "missing": n, "timedOut": bool}`.
/// - `emit-to`(room, event, payload): emits `event`(payload) to the room.
enum InteropEvents {
    static func install(on io: SocketIOServer) {
        io.onConnection { socket in
            installCommon(on: socket)
        }
        for namespace in [io.of("/static"), io.of("/team-static")] {
            namespace.onConnection { socket in
                installCommon(on: socket)
                RoomEvents.install(on: socket)
                socket.emit("hello", .string(socket.namespace.name))
            }
        }
        // Force-unwrapped: the pattern is a constant known to compile.
        let numbered = try! io.of(regex: #"^/dyn-\d+$"#)
        numbered.onConnection { socket in
            installCommon(on: socket)
            RoomEvents.install(on: socket)
            socket.emit("hello", .string(socket.namespace.name))
        }
        let teams = io.of { name, auth in
            name.hasPrefix("/team-") && auth["team"]?.stringValue == String(name.dropFirst("/team-".count))
        }
        teams.onConnection { socket in
            installCommon(on: socket)
            RoomEvents.install(on: socket)
            socket.emit("hello", .string(socket.namespace.name))
        }
    }

    private static func installCommon(on socket: SocketIOSocket) {
        socket.on("whoami") { socket, _, ack in
            ack?([
                "id": .string(socket.id), "recovered": .bool(socket.recovered),
                "rooms": .array(socket.rooms.sorted().map(JSONValue.string)), "namespace": .string(socket.namespace.name),
            ])
        }
        socket.on("ask") { socket, arguments, ack in
            guard let room = arguments.first?.stringValue, let milliseconds = arguments.count > 1 ? arguments[1].intValue : nil
            else { return }
            let payload = arguments.count > 2 ? arguments[2] : .null
            socket.namespace.to(room).timeout(.milliseconds(milliseconds)).emitCollectingAcks("question", arguments: [payload]) { acks in
                let answers = acks.responses.map { $0.first ?? .null }.sorted { "\($0)" < "\($1)" }
                ack?(["answers": .array(answers), "missing": .int(Int64(acks.missing)), "timedOut": .bool(acks.timedOut)])
            }
        }
        socket.on("emit-to") { socket, arguments, _ in
            guard arguments.count >= 2, let room = arguments[0].stringValue, let event = arguments[1].stringValue else { return }
            socket.namespace.to(room).emit(event, arguments: Array(arguments.dropFirst(2)))
        }
    }
}
