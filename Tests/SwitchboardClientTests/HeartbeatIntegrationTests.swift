import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchboardClient
import SwitchboardJSON
import Testing

/// A polling-only Engine.IO server that accepts the handshake and the namespace `CONNECT`, then never
/// pings: the client's watchdog must give up after pingInterval + pingTimeout.
final class SilentEngineServer: Sendable {
    let channel: Channel
    let handshakes = NIOLockedValueBox(0)
    /// TCP connections accepted.
    let connections = NIOLockedValueBox(0)
    /// The GET held open for the next server packet.
    let heldPoll = NIOLockedValueBox<Channel?>(nil)
    /// The answer to a `CONNECT` that arrived while no GET was held.
    let pendingAnswer = NIOLockedValueBox<String?>(nil)

    init() async throws {
        let handshakes = self.handshakes
        let heldPoll = self.heldPoll
        let connections = self.connections
        let pendingAnswer = self.pendingAnswer
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                connections.withLockedValue { $0 += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        SilentEngineHandler(handshakes: handshakes, heldPoll: heldPoll, pendingAnswer: pendingAnswer)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var port: Int { channel.localAddress!.port! }
}

final class SilentEngineHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let handshakes: NIOLockedValueBox<Int>
    let heldPoll: NIOLockedValueBox<Channel?>
    let pendingAnswer: NIOLockedValueBox<String?>
    private let request = NIOLockedValueBox<(head: HTTPRequestHead, body: String)?>(nil)

    init(handshakes: NIOLockedValueBox<Int>, heldPoll: NIOLockedValueBox<Channel?>, pendingAnswer: NIOLockedValueBox<String?>) {
        self.handshakes = handshakes
        self.heldPoll = heldPoll
        self.pendingAnswer = pendingAnswer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request.withLockedValue { $0 = (head, "") }
        case .body(let bytes):
            request.withLockedValue { $0?.body += String(buffer: bytes) }
        case .end:
            guard let (head, body) = request.withLockedValue({ $0 }) else { return }
            if !head.uri.contains("sid=") {
                handshakes.withLockedValue { $0 += 1 }
                Self.respond(on: context.channel, #"0{"sid":"silent","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":100000}"#)
            } else if head.method == .GET {
                // Answer a CONNECT that arrived first, else hold the poll (never answering it otherwise).
                let answer = pendingAnswer.withLockedValue { answer in
                    defer { answer = nil }
                    return answer
                }
                if let answer {
                    Self.respond(on: context.channel, answer)
                } else {
                    heldPoll.withLockedValue { $0 = context.channel }
                }
            } else {
                Self.respond(on: context.channel, "ok")
                guard body.hasPrefix("40") else { return }
                let answer = #"40{"sid":"socket-1"}"#
                let poll = heldPoll.withLockedValue { poll in
                    defer { poll = nil }
                    return poll
                }
                if let poll {
                    Self.respond(on: poll, answer)
                } else {
                    pendingAnswer.withLockedValue { $0 = answer }
                }
            }
        }
    }

    static func respond(on channel: Channel, _ text: String) {
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Length", value: String(text.utf8.count))
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text))), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }
}

@Suite("Heartbeat watchdog against a silent server", .timeLimit(.minutes(1)))
struct HeartbeatIntegrationTests {
    @Test func missingPingsDisconnectWithPingTimeoutThenReconnect() async throws {
        let server = try await SilentEngineServer()
        let options = SocketIOClientOptions(
            transports: [.polling], forceNew: true,
            reconnectionDelay: .milliseconds(50), reconnectionDelayMax: .milliseconds(100)
        )
        let socket = try SocketIOClient.socket(url: "http://127.0.0.1:\(server.port)", options: options)
        let log = EventLog(socket)
        // Read when `connect` is reported, before the watchdog and reconnection open more connections.
        let connectionsAtConnect = NIOLockedValueBox<Int?>(nil)
        socket.on("connect") { [connections = server.connections] _, _ in
            connectionsAtConnect.withLockedValue { $0 = $0 ?? connections.withLockedValue { $0 } }
        }
        let started = ContinuousClock.now
        socket.connect()
        try await log.wait(for: "connect")
        #expect(socket.id == "socket-1")
        // Handshake GET, CONNECT POST and the held GET: one keep-alive connection for GETs, one for POSTs.
        #expect(connectionsAtConnect.withLockedValue { $0 } == 2)
        #expect(try await log.wait(for: "disconnect") == ["ping timeout"])
        // pingInterval 1 000 ms + pingTimeout 500 ms after the handshake, not earlier.
        #expect(ContinuousClock.now - started >= .milliseconds(1_490))
        try await log.wait(for: "reconnect_attempt")
        #expect(try await waitFor { server.handshakes.withLockedValue { $0 } >= 2 })
        socket.disconnect()
        try await server.channel.close()
    }

    private func waitFor(_ condition: @Sendable () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
