import EngineIO
import NIOConcurrencyHelpers
import NIOCore

/// The connected sockets of one namespace in this process, by id; shared by all event loops.
final class LocalSocketDirectory: Sendable {
    private let sockets = NIOLockedValueBox([String: SocketIOSocket]())

    func insert(_ socket: SocketIOSocket) {
        sockets.withLockedValue { $0[socket.id] = socket }
    }

    func remove(_ id: String) {
        sockets.withLockedValue { _ = $0.removeValue(forKey: id) }
    }

    func socket(_ id: String) -> SocketIOSocket? {
        sockets.withLockedValue { $0[id] }
    }

    var allIDs: [String] { sockets.withLockedValue { Array($0.keys) } }

    var all: [SocketIOSocket] { sockets.withLockedValue { Array($0.values) } }

    func sockets(_ ids: some Sequence<String>) -> [SocketIOSocket] {
        sockets.withLockedValue { table in ids.compactMap { table[$0] } }
    }

    /// Groups the recipients per event loop: one `execute` per foreign loop, direct calls on the current one.
    func deliver(_ messages: [OutboundEngineMessage], to ids: some Sequence<String>) {
        let recipients = sockets(ids)
        guard !recipients.isEmpty else { return }
        var groups: [ObjectIdentifier: (loop: any EventLoop, sockets: [SocketIOSocket])] = [:]
        for socket in recipients {
            let loop = socket.eventLoop
            groups[ObjectIdentifier(loop), default: (loop, [])].sockets.append(socket)
        }
        for (loop, group) in groups.values {
            if loop.inEventLoop {
                for socket in group { socket.deliverOnLoop(messages) }
            } else {
                loop.execute {
                    for socket in group { socket.deliverOnLoop(messages) }
                }
            }
        }
    }
}
