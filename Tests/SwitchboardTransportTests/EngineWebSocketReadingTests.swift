import EngineIO
import Logging
import NIOCore
import NIOEmbedded
@testable import SwitchboardTransport
import Testing

/// The Engine.IO WebSocket reads the client's bytes itself (no frame decoder handler): the protocol rules,
/// seen from the wire, over an embedded channel with an echoing server.
@Suite struct EngineWebSocketReadingTests {
    /// An upgraded Engine.IO WebSocket whose 101 and open packet were already read.
    func openWebSocket(maxPayload: Int = 1_000) throws -> EmbeddedChannel {
        var configuration = TestServer.quiet
        configuration.maxPayload = maxPayload
        let engine = EngineServer(configuration: configuration, delegate: EngineEchoDelegate(), logger: Logger(label: "test"))
        var router = HTTPRouter()
        router.mount(engine, at: "/engine.io/")
        let channel = EmbeddedChannel()
        try HTTPServer.configure(channel: channel, router: router, isSecure: false, logger: Logger(label: "test"))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).wait()
        try channel.writeInbound(UpgradeResponseCorkTests.upgradeRequest("/engine.io/?EIO=4&transport=websocket"))
        channel.embeddedEventLoop.run()
        _ = try UpgradeResponseCorkTests.flushedText(channel)
        #expect((try? channel.pipeline.syncOperations.context(handlerType: EngineWebSocketHandler.self)) != nil)
        return channel
    }

    /// Writes `reads` one by one, then returns every server frame written as (opcode, payload text).
    func exchange(_ channel: EmbeddedChannel, _ reads: [[UInt8]]) throws -> [String] {
        for read in reads where channel.isActive {
            try channel.writeInbound(ByteBuffer(bytes: read))
        }
        channel.embeddedEventLoop.run()
        var bytes: [UInt8] = []
        while let data = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = data { bytes += buffer.readableBytesView }
        }
        var frames: [String] = []
        while let (opcode, payload, used) = WSFrame.parse(bytes) {
            frames.append(opcode == 8 && payload.count >= 2 ? "8 \(Int(payload[0]) << 8 | Int(payload[1]))" : "\(opcode) \(String(decoding: payload, as: UTF8.self))")
            bytes.removeFirst(used)
        }
        return frames
    }

    @Test func framesSplitAcrossReadsAndSeveralFramesInOneReadAreAllServed() throws {
        let channel = try openWebSocket()
        let message = WSFrame.text("4hello")
        let ping = WSFrame.masked(opcode: 9, payload: Array("hi".utf8))
        let frames = try exchange(channel, [Array(message[..<3]), Array(message[3...]) + ping + WSFrame.text("3"), WSFrame.text("4x")])
        #expect(frames == ["1 4hello", "10 hi", "1 4x"])
    }

    @Test func theHeartbeatPongIsTakenWithoutAnAnswer() throws {
        let channel = try openWebSocket()
        #expect(try exchange(channel, [WSFrame.text("3"), WSFrame.text("3")]) == [])
        #expect(channel.isActive)
    }

    @Test func aFragmentedMessageIsDeliveredWhole() throws {
        let channel = try openWebSocket()
        let frames = try exchange(channel, [
            WSFrame.masked(opcode: 1, payload: Array("4ab".utf8), fin: false),
            WSFrame.masked(opcode: 9, payload: []),
            WSFrame.masked(opcode: 0, payload: Array("cd".utf8)),
        ])
        #expect(frames == ["10 ", "1 4abcd"])
    }

    @Test func aFrameLongerThanMaxPayloadIsClosedWith1009() throws {
        let channel = try openWebSocket(maxPayload: 10)
        #expect(try exchange(channel, [WSFrame.text("4" + String(repeating: "x", count: 10))]) == ["8 1009"])
    }

    @Test func aFragmentedMessageLongerThanMaxPayloadIsClosedWith1009() throws {
        let channel = try openWebSocket(maxPayload: 10)
        let frames = try exchange(channel, [
            WSFrame.masked(opcode: 1, payload: Array("412345".utf8), fin: false),
            WSFrame.masked(opcode: 0, payload: Array("67890".utf8)),
        ])
        #expect(frames == ["8 1009"])
    }

    @Test func protocolViolationsAreClosedWith1002() throws {
        var unmasked = WSFrame.text("3")
        unmasked[1] &= 0x7F
        unmasked.removeSubrange(2..<6)
        unmasked[2] = UInt8(ascii: "3")
        var rsv2 = WSFrame.text("3")
        rsv2[0] |= 0x20
        var rsv1 = WSFrame.text("3")  // no permessage-deflate negotiated
        rsv1[0] |= 0x40
        let cases: [(String, [UInt8])] = [
            ("unmasked", unmasked), ("RSV2", rsv2), ("RSV1 without deflate", rsv1),
            ("reserved data opcode", WSFrame.masked(opcode: 3, payload: [])),
            ("reserved control opcode", WSFrame.masked(opcode: 0xB, payload: [])),
            ("continuation without a message", WSFrame.masked(opcode: 0, payload: Array("x".utf8))),
            ("fragmented ping", WSFrame.masked(opcode: 9, payload: [], fin: false)),
            ("long ping", WSFrame.masked(opcode: 9, payload: Array(repeating: 0x41, count: 126))),
            ("data frame inside a message", WSFrame.masked(opcode: 1, payload: Array("4a".utf8), fin: false) + WSFrame.text("4b")),
        ]
        for (name, bytes) in cases {
            let channel = try openWebSocket()
            #expect(try exchange(channel, [bytes]) == ["8 1002"], "\(name)")
        }
    }

    @Test func aCloseFrameIsAnsweredWithItsCodeAndTheConnectionCloses() throws {
        let channel = try openWebSocket()
        #expect(try exchange(channel, [WSFrame.masked(opcode: 8, payload: [0x03, 0xE8]), WSFrame.text("4late")]) == ["8 1000"])
        #expect(!channel.isActive)
    }

    @Test func bytesAfterABrokenFrameDropTheConnection() throws {
        let channel = try openWebSocket(maxPayload: 10)
        let header = Array(WSFrame.text(String(repeating: "x", count: 20))[..<6])
        #expect(try exchange(channel, [header]) == ["8 1009"])
        #expect(try exchange(channel, [WSFrame.text("3")]) == [])
        #expect(!channel.isActive)
    }
}
