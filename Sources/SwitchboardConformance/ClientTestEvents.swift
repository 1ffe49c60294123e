import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SwitchboardJSON

/// Events on `/` and `/custom` that the client interop suites (Swift and browser clients) call; the
/// python-socketio reference server (`tests/interop/reference_server.py`) implements the same ones.
///
/// - `handshake-info`(queryName, headerName, ack): acks `[query[queryName], header(headerName)]`
///   (`null` for a missing one).
/// - `engine-id`(ack): acks with the Engine.IO session id (to see namespaces share one connection).
/// - `ack-after`(milliseconds, …args, ack): acks with `args` after the delay.
/// - `ack-on-attempt`(key, attempt, ack): counts receipts of `key`; from the `attempt`-th receipt on
///   acks `[receipts, distinct ack ids seen]`, never before (retries: a retried packet keeps its id).
/// - `cut-and-emit`(count): closes the Engine.IO connection under the socket, then emits
///   `missed`(1…count) to the socket's room (connection state recovery tests).
enum ClientTestEvents {
    /// The ack ids received per `ack-on-attempt` key, shared by every socket of the process.
    private static let receipts = NIOLockedValueBox<[String: [Int?]]>([:])

    static func install(on socket: SocketIOSocket) {
        socket.on("handshake-info") { socket, arguments, ack in
            let query = arguments.first?.stringValue.flatMap { socket.handshake.query[$0] }
            let header = arguments.count > 1 ? arguments[1].stringValue.flatMap { socket.handshake.header($0) } : nil
            ack?(query.map { .string($0) } ?? .null, header.map { .string($0) } ?? .null)
        }
        socket.on("engine-id") { socket, _, ack in
            ack?(.string(socket.engineConnection.id))
        }
        socket.on("ack-after") { socket, arguments, ack in
            guard let ack, case .int(let milliseconds)? = arguments.first else { return }
            let answer = Array(arguments.dropFirst())
            socket.eventLoop.scheduleTask(in: .milliseconds(milliseconds)) { ack.send(arguments: answer) }
        }
        socket.on("ack-on-attempt") { _, arguments, ack in
            guard let key = arguments.first?.stringValue, arguments.count > 1, case .int(let attempt) = arguments[1] else {
                return
            }
            let ids = receipts.withLockedValue { receipts in
                receipts[key, default: []].append(ack?.id)
                return receipts[key]!
            }
            if ids.count >= attempt { ack?(.int(Int64(ids.count)), .int(Int64(Set(ids).count))) }
        }
        socket.on("cut-and-emit") { socket, arguments, _ in
            guard case .int(let count)? = arguments.first else { return }
            let room = socket.id
            let namespace = socket.namespace
            socket.engineConnection.close()
            socket.eventLoop.scheduleTask(in: .milliseconds(100)) {
                for index in 1...max(1, count) { namespace.to(room).emit("missed", .int(index)) }
            }
        }
    }
}
