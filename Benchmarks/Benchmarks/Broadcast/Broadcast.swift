import Benchmark
import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SocketIO
import SwitchboardJSON

/// An Engine.IO connection that only counts what it is asked to send: the broadcast path without the transport.
///
/// `@unchecked Sendable`: `delegate` and `sentMessages` are read and written only on `eventLoop`.
final class CountingConnection: EngineConnection, @unchecked Sendable {
    let id: String
    let eventLoop: any EventLoop
    let handshake: EngineHandshake
    let transport = EngineTransportKind.websocket
    var delegate: (any EngineConnectionDelegate)?
    var sentMessages = 0

    init(id: String, eventLoop: any EventLoop) {
        self.id = id
        self.eventLoop = eventLoop
        self.handshake = EngineHandshake(
            url: "/socket.io/?EIO=4&transport=websocket", query: ["EIO": "4", "transport": "websocket"],
            headers: [("Host", "127.0.0.1")], remoteAddress: "127.0.0.1", isSecure: false, issuedAtMilliseconds: 0)
    }

    func send(_ messages: [OutboundEngineMessage]) { sentMessages += messages.count }
    func close() {}
}

/// A Socket.IO server with `clients` connected sockets in room `room`, all on one event loop.
struct BroadcastFixture {
    let loop: any EventLoop
    let io: SocketIOServer
    let connections: [CountingConnection]

    init(clients: Int, loop: any EventLoop) throws {
        let io = SocketIOServer()
        io.onConnection { socket in socket.join("room") }
        let connections = (0..<clients).map { CountingConnection(id: "bench-\($0)", eventLoop: loop) }
        try loop.submit {
            for connection in connections {
                io.engineServer(didAccept: connection)
                connection.delegate?.engineConnection(connection, didReceive: .text(ByteBuffer(string: "0")))
            }
        }.wait()
        self.loop = loop
        self.io = io
        self.connections = connections
    }

    /// Messages handed to the connections so far.
    func sentMessages() throws -> Int {
        try loop.submit { self.connections.reduce(0) { $0 + $1.sentMessages } }.wait()
    }
}

/// Broadcasts, measured per broadcast; divide by the recipient count for the per-delivery cost.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .instructions],
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let payload: JSONValue = ["text": "hello there, how is everyone doing today?", "n": 42]

    for clients in [100, 1_000] {
        let fixture = NIOLockedValueBox<BroadcastFixture?>(nil)
        Benchmark(
            "io.to(room).emit to \(clients) sockets (one broadcast; per delivery = ÷ \(clients))",
            configuration: .init(
                setup: { fixture.withLockedValue { $0 = try? BroadcastFixture(clients: clients, loop: loop) } },
                teardown: { fixture.withLockedValue { $0 = nil } }
            )
        ) { benchmark in
            guard let io = fixture.withLockedValue({ $0?.io }) else { fatalError("fixture not set up") }
            let iterations = benchmark.scaledIterations
            try loop.submit {
                for _ in iterations { io.to("room").emit("bcast", payload) }
            }.wait()
        }
    }
}
