import EngineIO
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import SwitchboardTransport
import Testing

@Suite("A plain-TCP connection's first request: WebSocket handshakes skip the HTTP pipeline")
struct FirstRequestHandlerTests {
    typealias PeekingDelegate = UpgradeResponseCorkTests.PeekingDelegate

    func makeChannel(
        delegate: PeekingDelegate, configuration: EngineConfiguration = TestServer.quiet, firstRequest: Bool = true
    ) throws -> EmbeddedChannel {
        let engine = EngineServer(configuration: configuration, delegate: delegate, logger: Logger(label: "test"))
        var router = HTTPRouter()
        router.mount(engine, at: "/engine.io/")
        let channel = EmbeddedChannel()
        if firstRequest {
            try HTTPServer.configure(channel: channel, router: router, isSecure: false, logger: Logger(label: "test"))
        } else {
            try HTTPServer.configureHTTP(channel: channel, router: router, isSecure: false, logger: Logger(label: "test"), upgrades: true)
        }
        return channel
    }

    func hasHandler<Handler: ChannelHandler>(_ channel: EmbeddedChannel, _ type: Handler.Type) -> Bool {
        (try? channel.pipeline.syncOperations.context(handlerType: type)) != nil
    }

    @Test func handshakeIsAnsweredWith101AndTheOpenPacketInOneFlushWithoutHTTPHandlers() throws {
        let delegate = PeekingDelegate()
        let channel = try makeChannel(delegate: delegate)
        var flushedAtAccept: String?
        delegate.peek = { flushedAtAccept = try? UpgradeResponseCorkTests.flushedText(channel) }
        try channel.writeInbound(UpgradeResponseCorkTests.upgradeRequest("/engine.io/?EIO=4&transport=websocket"))
        channel.embeddedEventLoop.run()
        #expect(delegate.accepted == 1)
        #expect(flushedAtAccept == "", "the 101 waited for the open packet")
        let flushed = try UpgradeResponseCorkTests.flushedText(channel)
        let expected101 =
            "HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        #expect(flushed.hasPrefix(expected101))
        let open = flushed.range(of: "\r\n\r\n").map { flushed[$0.upperBound...] } ?? ""
        #expect(open.dropFirst(2).hasPrefix("0{\"sid\":\""), "the open packet's frame follows the 101")
        #expect(!hasHandler(channel, FirstRequestHandler.self))
        #expect(!hasHandler(channel, HTTPConnectionHandler.self))
        #expect(hasHandler(channel, EngineWebSocketHandler.self))
        _ = try? channel.finish()
    }

    @Test func the101IsTheSameAsTheHTTPPipelines() throws {
        var answers: [String] = []
        for firstRequest in [true, false] {
            let channel = try makeChannel(delegate: PeekingDelegate(), firstRequest: firstRequest)
            try channel.writeInbound(UpgradeResponseCorkTests.upgradeRequest("/engine.io/?EIO=4&transport=websocket"))
            channel.embeddedEventLoop.run()
            let flushed = try UpgradeResponseCorkTests.flushedText(channel)
            answers.append(String(flushed.prefix(upTo: flushed.range(of: "\r\n\r\n")!.upperBound)))
            _ = try? channel.finish()
        }
        #expect(answers[0].lowercased() == answers[1].lowercased())
        #expect(answers[0].hasPrefix("HTTP/1.1 101 "))
    }

    @Test func handshakeSplitAcrossReadsWithAFrameBehindItIsServed() throws {
        let delegate = PeekingDelegate()
        let channel = try makeChannel(delegate: delegate)
        let request = Array(Request.webSocket("/engine.io/?EIO=4&transport=websocket").utf8)
        let frame = WSFrame.masked(opcode: 9, payload: Array("hi".utf8))
        for chunk in [request[0..<3], request[3..<40], request[40...] + frame[0..<1]] {
            try channel.writeInbound(ByteBuffer(bytes: Array(chunk)))
        }
        channel.embeddedEventLoop.run()
        #expect(delegate.accepted == 1)
        _ = try UpgradeResponseCorkTests.flushedText(channel)
        try channel.writeInbound(ByteBuffer(bytes: Array(frame[1...])))
        channel.embeddedEventLoop.run()
        let flushed = try UpgradeResponseCorkTests.flushedText(channel)
        // A pong frame (0x8A, shown as U+FFFD in this text) with the ping's payload.
        #expect(flushed == "\u{FFFD}\u{02}hi", "the ping behind the head was answered")
        _ = try? channel.finish()
    }

    @Test func pollingRequestGetsTheHTTPPipelineAndItsAnswer() throws {
        let delegate = PeekingDelegate()
        let channel = try makeChannel(delegate: delegate)
        try channel.writeInbound(ByteBuffer(string: Request.get("/engine.io/?EIO=4&transport=polling")))
        channel.embeddedEventLoop.run()
        #expect(delegate.accepted == 1)
        let flushed = try UpgradeResponseCorkTests.flushedText(channel)
        #expect(flushed.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(flushed.contains("0{\"sid\":\""))
        #expect(!hasHandler(channel, FirstRequestHandler.self))
        #expect(hasHandler(channel, HTTPConnectionHandler.self))
        _ = try? channel.finish()
    }

    @Test func refusedHandshakesGetTheHTTPPipelinesAnswers() throws {
        for target in [
            "/engine.io/?transport=websocket", "/engine.io/?EIO=3&transport=websocket", "/engine.io/?EIO=4",
            "/engine.io/?EIO=4&transport=abc", "/engine.io/?EIO=4&transport=websocket&sid=unknown", "/other/",
        ] {
            var answers: [String] = []
            for firstRequest in [true, false] {
                let delegate = PeekingDelegate()
                let channel = try makeChannel(delegate: delegate, firstRequest: firstRequest)
                try channel.writeInbound(UpgradeResponseCorkTests.upgradeRequest(target))
                channel.embeddedEventLoop.run()
                #expect(delegate.accepted == 0)
                answers.append(try UpgradeResponseCorkTests.flushedText(channel))
                _ = try? channel.finish()
            }
            #expect(answers[0] == answers[1], "\(target)")
            #expect(answers[0].hasPrefix("HTTP/1.1 4"), "\(target): \(answers[0].debugDescription)")
        }
    }

    @Test func handshakeRefusedByTheSessionCapGetsTheHTTPPipelinesAnswer() throws {
        var configuration = TestServer.quiet
        configuration.limits.maxSessions = 0
        var answers: [String] = []
        for firstRequest in [true, false] {
            let delegate = PeekingDelegate()
            let channel = try makeChannel(delegate: delegate, configuration: configuration, firstRequest: firstRequest)
            try channel.writeInbound(UpgradeResponseCorkTests.upgradeRequest("/engine.io/?EIO=4&transport=websocket"))
            channel.embeddedEventLoop.run()
            #expect(delegate.accepted == 0)
            answers.append(try UpgradeResponseCorkTests.flushedText(channel))
            _ = try? channel.finish()
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0].hasPrefix("HTTP/1.1 503 "), "\(answers[0].debugDescription)")
    }
}
