import EngineIO
import Foundation
import Logging
import ServiceLifecycle
import SocketIO
import SwitchboardJSON
import SwitchboardTransport

/// The server of `switchboard bench-server`: the event contract every Socket.IO benchmark peer serves.
///
/// - `echo`(payload, ack) → ack(payload)
/// - `join`(room, ack?) → joins, ack(room); `leave`(room, ack?) → leaves, ack(room)
/// - `bcast`(room, payload, ack?) → emits `bcast`(payload) to every socket in the room, the sender
///   included; acks the number of recipients if asked
/// - `stats`(ack) → ack({rss, clients, pid})
///
/// Engine.IO settings are the defaults (ping 25 000 / 20 000 ms, maxPayload 1 000 000) without admission
/// limits, unless the caller passes others.
public struct BenchServer: Service {
    /// The Socket.IO server.
    public let io: SocketIOServer
    /// The HTTP server; read its `localPort` once running.
    public let http: HTTPServer

    /// The Engine.IO settings of the benchmark: the defaults without admission limits (the load generator
    /// opens thousands of sessions from one address).
    public static let defaultEngineConfiguration = EngineConfiguration(limits: .unlimited)

    /// Creates the server; nothing listens until ``run()``. `addRoutes` adds routes that may use the
    /// Socket.IO server (`/metrics`, `/readyz`, the publish API); `readiness` is set ready while the
    /// server accepts work. `interopEvents` adds the test-only behaviour of ``InteropEvents``.
    public init(
        host: String, port: Int, logger: Logger, readiness: ServerReadiness = ServerReadiness(),
        engine: EngineConfiguration = BenchServer.defaultEngineConfiguration,
        socketIO: SocketIOServer.Configuration = SocketIOServer.Configuration(), interopEvents: Bool = false,
        addRoutes: (inout HTTPRouter, SocketIOServer) -> Void = { _, _ in }
    ) {
        let io = SocketIOServer(configuration: socketIO, logger: logger)
        Self.install(on: io)
        if interopEvents { InteropEvents.install(on: io) }
        var router = HTTPRouter()
        router.mount(EngineServer(configuration: engine, delegate: io, logger: logger), at: "/socket.io/")
        addRoutes(&router, io)
        self.io = io
        self.http = HTTPServer(host: host, port: port, router: router, readiness: readiness, logger: logger)
    }

    /// Binds, prints `LISTENING <port> <pid>` on standard output, and serves until graceful shutdown.
    public func run() async throws {
        let port = try await http.start()
        let line = "LISTENING \(port) \(ProcessInfo.processInfo.processIdentifier)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        try await http.run()
    }

    static func install(on io: SocketIOServer) {
        io.onConnection { socket in
            socket.on("echo") { _, arguments, ack in
                ack?(arguments.first ?? .null)
            }
            RoomEvents.install(on: socket)
            socket.on("bcast") { socket, arguments, ack in
                guard let room = arguments.first?.stringValue else { return }
                let payload = arguments.count > 1 ? arguments[1] : .null
                let namespace = socket.namespace
                if let ack {
                    ack(.int(Int64(namespace.adapter.sockets(in: [room]).count)))
                }
                namespace.to(room).emit("bcast", payload)
            }
            socket.on("stats") { socket, _, ack in
                ack?([
                    "rss": .int(ProcessMemory.residentBytes() ?? 0),
                    "clients": .int(Int64(io.connectionCount)),
                    "pid": .int(Int64(ProcessInfo.processInfo.processIdentifier)),
                ])
            }
        }
    }
}

/// Reads this process's resident set size from `/proc/self/status` (Linux).
enum ProcessMemory {
    /// VmRSS in bytes, or `nil` where `/proc` is not available.
    static func residentBytes() -> Int64? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.dropFirst(6).filter(\.isNumber)
            return Int64(digits).map { $0 * 1024 }
        }
        return nil
    }
}
