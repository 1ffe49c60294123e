import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
@testable import SwitchboardTransport
import Testing

@Suite("A new WebSocket session: the 101 and the open packet leave in one flush")
struct UpgradeResponseCorkTests {
    /// Records, when a session is accepted (after its open packet was written), what had reached the socket.
    final class PeekingDelegate: EngineServerDelegate, @unchecked Sendable {
        // Only used on the embedded loop of one test.
        var peek: () -> Void = {}
        var accepted = 0
        func engineServer(didAccept connection: any EngineConnection) {
            accepted += 1
            peek()
        }
    }

    static func upgradeRequest(_ target: String) -> ByteBuffer {
        ByteBuffer(string: Request.webSocket(target))
    }

    /// Every byte the channel flushed to the socket, as text.
    static func flushedText(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let data = try channel.readOutbound(as: IOData.self) {
            switch data {
            case .byteBuffer(let buffer): text += String(decoding: buffer.readableBytesView, as: UTF8.self)
            case .fileRegion: Issue.record("unexpected file region")
            }
        }
        return text
    }

    func makeChannel(delegate: PeekingDelegate) throws -> EmbeddedChannel {
        let engine = EngineServer(configuration: TestServer.quiet, delegate: delegate, logger: Logger(label: "test"))
        var router = HTTPRouter()
        router.mount(engine, at: "/engine.io/")
        let channel = EmbeddedChannel()
        // The HTTP pipeline's upgrade (TLS connections and first requests that are not plain handshakes take it).
        try HTTPServer.configureHTTP(channel: channel, router: router, isSecure: false, logger: Logger(label: "test"), upgrades: true)
        return channel
    }

    @Test func nothingIsFlushedBeforeTheOpenPacketIsWrittenThenBothAre() throws {
        let delegate = PeekingDelegate()
        let channel = try makeChannel(delegate: delegate)
        var flushedAtAccept: String?
        delegate.peek = { flushedAtAccept = try? Self.flushedText(channel) }
        try channel.writeInbound(Self.upgradeRequest("/engine.io/?EIO=4&transport=websocket"))
        channel.embeddedEventLoop.run()  // the HTTP decoder leaves the pipeline in a task of its own
        #expect(delegate.accepted == 1)
        #expect(flushedAtAccept == "", "the 101 waited for the open packet")
        let flushed = try Self.flushedText(channel)
        #expect(flushed.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        let open = flushed.range(of: "\r\n\r\n").map { flushed[$0.upperBound...] } ?? ""
        #expect(open.dropFirst(2).hasPrefix("0{\"sid\":\""), "the open packet's frame follows the 101")
        #expect((try? channel.pipeline.syncOperations.context(handlerType: UpgradeResponseCork.self)) == nil, "the cork left")
        _ = try? channel.finish()
    }

    @Test func aRefusedUpgradeGetsItsAnswerWithoutACork() throws {
        let delegate = PeekingDelegate()
        let channel = try makeChannel(delegate: delegate)
        try channel.writeInbound(Self.upgradeRequest("/engine.io/?EIO=4&transport=websocket&sid=unknown"))
        channel.embeddedEventLoop.run()
        #expect(delegate.accepted == 0)
        #expect(try Self.flushedText(channel).hasPrefix("HTTP/1.1 400 "))
        #expect((try? channel.pipeline.syncOperations.context(handlerType: UpgradeResponseCork.self)) == nil)
        _ = try? channel.finish()
    }
}
