import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RESP

/// A raw TCP server on loopback that answers each decoded request with whatever bytes `respond` returns
/// (nothing for `nil`), so tests can make a "server" misbehave in exact ways.
final class FakeRedisServer: Sendable {
    /// Gets the connection number (0 for the first), the request number on that connection (0 for the
    /// first, normally `HELLO`) and the request.
    typealias Responder = @Sendable (_ connection: Int, _ request: Int, _ command: [String]) -> String?

    let channel: any Channel
    private let connectionCount: NIOLockedValueBox<Int>
    private let closedCount: NIOLockedValueBox<Int>
    private let receivedBytes = NIOLockedValueBox(ByteBuffer())

    /// Every byte received from clients, in arrival order.
    var received: ByteBuffer { receivedBytes.withLockedValue { $0 } }

    var port: Int { channel.localAddress!.port! }

    /// How many client connections have been accepted, and how many of them have closed.
    var connections: (accepted: Int, closed: Int) {
        (connectionCount.withLockedValue { $0 }, closedCount.withLockedValue { $0 })
    }

    static let helloReply = "%1\r\n+server\r\n+fake\r\n"

    init(respond: @escaping Responder) async throws {
        let counter = NIOLockedValueBox(0)
        let receivedBytes = self.receivedBytes
        let closed = NIOLockedValueBox(0)
        self.channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let index = counter.withLockedValue { count in
                    defer { count += 1 }
                    return count
                }
                channel.closeFuture.whenComplete { _ in closed.withLockedValue { $0 += 1 } }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(connection: index, respond: respond, received: receivedBytes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.connectionCount = counter
        self.closedCount = closed
    }

    func stop() async {
        try? await channel.close().get()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let connection: Int
        let respond: Responder
        let received: NIOLockedValueBox<ByteBuffer>
        var buffer = ByteBuffer()
        var requests = 0

        init(connection: Int, respond: @escaping Responder, received: NIOLockedValueBox<ByteBuffer>) {
            self.connection = connection
            self.respond = respond
            self.received = received
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            _ = received.withLockedValue { $0.writeImmutableBuffer(bytes) }
            buffer.writeBuffer(&bytes)
            while let value = try? RESPDecoder().decode(from: &buffer) {
                let command = value.elements?.compactMap(\.string) ?? []
                if let reply = respond(connection, requests, command) {
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil)
                }
                requests += 1
            }
        }
    }
}
