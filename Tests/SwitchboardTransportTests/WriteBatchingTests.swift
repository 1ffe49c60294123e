import EngineIO
import NIOCore
import NIOEmbedded
@testable import SwitchboardTransport
import Testing

/// Counts the writes and flushes that reach the socket end of the pipeline.
final class FlushCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var writes = 0
    var flushes = 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes += 1
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        flushes += 1
        context.flush()
    }
}

@Suite("WebSocket write batching: one flush per connection per event-loop tick")
struct WriteBatchingTests {
    static func message(_ text: String) -> OutboundEngineMessage {
        OutboundEngineMessage(text: ByteBuffer(string: text))
    }

    func makeChannel(
        loop: EmbeddedEventLoop, context: EngineLoopContext?, writesBypassPipeline: Bool = false
    ) throws -> (EmbeddedChannel, FlushCounter, EngineWebSocketHandler) {
        let counter = FlushCounter()
        let handler = try EngineWebSocketHandler(
            maxMessageSize: 1_000, outboundHardLimit: nil, loopContext: context, writesBypassPipeline: writesBypassPipeline)
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(handler)
        return (channel, counter, handler)
    }

    @Test func packetsWrittenInOneTickLeaveInOneFlush() throws {
        let loop = EmbeddedEventLoop()
        let (channel, counter, handler) = try makeChannel(loop: loop, context: nil)
        handler.write([Self.message("a")])
        handler.write([Self.message("b"), Self.message("c")])
        handler.write([ByteBuffer(string: "raw")])
        #expect(counter.flushes == 0, "nothing is flushed before the tick ends")
        loop.run()
        #expect(counter.writes == 4)
        #expect(counter.flushes == 1)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("a").webSocketFrame)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("b").webSocketFrame)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("c").webSocketFrame)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "raw"))
        _ = try channel.finish()
    }

    @Test func eachTickGetsItsOwnFlush() throws {
        let loop = EmbeddedEventLoop()
        let (channel, counter, handler) = try makeChannel(loop: loop, context: nil)
        handler.write([Self.message("a")])
        loop.run()
        handler.write([Self.message("b")])
        loop.run()
        loop.run()
        #expect(counter.flushes == 2)
        _ = try channel.finish()
    }

    @Test func connectionsOfOneLoopShareTheEndOfTickFlush() throws {
        let loop = EmbeddedEventLoop()
        let context = EngineLoopContext(eventLoop: loop, metrics: nil, now: 0)
        let first = try makeChannel(loop: loop, context: context)
        let second = try makeChannel(loop: loop, context: context)
        for _ in 0..<3 {
            first.2.write([Self.message("to first")])
            second.2.write([Self.message("to second")])
        }
        loop.run()
        #expect(first.1.writes == 3 && first.1.flushes == 1)
        #expect(second.1.writes == 3 && second.1.flushes == 1)
        _ = try first.0.finish()
        _ = try second.0.finish()
    }

    @Test func aTicksOnlyFrameReachesTheChannelWithTheFlushNotBefore() throws {
        let loop = EmbeddedEventLoop()
        let (channel, counter, handler) = try makeChannel(loop: loop, context: nil)
        handler.write([Self.message("a")])
        #expect(counter.writes == 0, "the frame waits in the handler until the tick ends")
        loop.run()
        #expect(counter.writes == 1 && counter.flushes == 1)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("a").webSocketFrame)
        _ = try channel.finish()
    }

    @Test(arguments: [false, true])
    func aHeldFrameLeavesBeforeTheCloseFrame(writesBypassPipeline: Bool) throws {
        let loop = EmbeddedEventLoop()
        let (channel, _, handler) = try makeChannel(loop: loop, context: nil, writesBypassPipeline: writesBypassPipeline)
        handler.write([Self.message("last words")])
        handler.close()
        loop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("last words").webSocketFrame)
        let close = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(close.getInteger(at: close.readerIndex, as: UInt8.self) == 0x88)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test func heartbeatPingsShareOnePrebuiltFrame() throws {
        let loop = EmbeddedEventLoop()
        let (channel, _, handler) = try makeChannel(loop: loop, context: nil)
        handler.write([EngineOutboundPacket.ping])
        loop.run()
        let frame = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(frame == EnginePacket.ping(ByteBuffer()).webSocketFrame(allocator: ByteBufferAllocator()))
        #expect(Array(frame.readableBytesView) == [0x81, 0x01, UInt8(ascii: "2")])
        _ = try channel.finish()
    }

    @Test func framesThatBypassThePipelineReachTheChannelInOrderWithOneFlushPerTick() throws {
        let loop = EmbeddedEventLoop()
        let (channel, counter, handler) = try makeChannel(loop: loop, context: nil, writesBypassPipeline: true)
        handler.write([Self.message("a")])
        handler.write([Self.message("b"), Self.message("c")])
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing is flushed before the tick ends")
        loop.run()
        #expect(counter.writes == 0 && counter.flushes == 0, "no outbound handler sees the frames")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("a").webSocketFrame)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("b").webSocketFrame)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("c").webSocketFrame)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        handler.write([Self.message("d")])
        loop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == Self.message("d").webSocketFrame)
        _ = try channel.finish()
    }

    @Test func connectionsThatBypassThePipelineShareTheLoopsEndOfTickFlush() throws {
        let loop = EmbeddedEventLoop()
        let context = EngineLoopContext(eventLoop: loop, metrics: nil, now: 0)
        let first = try makeChannel(loop: loop, context: context, writesBypassPipeline: true)
        let second = try makeChannel(loop: loop, context: context, writesBypassPipeline: true)
        first.2.write([Self.message("1a")])
        second.2.write([Self.message("2a")])
        first.2.write([Self.message("1b")])
        #expect(try first.0.readOutbound(as: ByteBuffer.self) == nil)
        loop.run()
        #expect(try first.0.readOutbound(as: ByteBuffer.self) == Self.message("1a").webSocketFrame)
        #expect(try first.0.readOutbound(as: ByteBuffer.self) == Self.message("1b").webSocketFrame)
        #expect(try second.0.readOutbound(as: ByteBuffer.self) == Self.message("2a").webSocketFrame)
        #expect(try second.0.readOutbound(as: ByteBuffer.self) == nil)
        second.2.write([Self.message("2b")])
        loop.run()
        #expect(try second.0.readOutbound(as: ByteBuffer.self) == Self.message("2b").webSocketFrame)
        #expect(try first.0.readOutbound(as: ByteBuffer.self) == nil)
        _ = try first.0.finish()
        _ = try second.0.finish()
    }
}

