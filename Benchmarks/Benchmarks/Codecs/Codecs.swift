import Benchmark
import EngineIO
import NIOCore
import NIOEmbedded
import NIOWebSocket
import SocketIO
import SwitchboardJSON

/// The codecs on the per-message path: JSON, Socket.IO packets, Engine.IO packets, WebSocket frames.
/// Each iteration handles one message; allocation counts are per message (scaling factor `.one`).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .instructions],
        warmupIterations: 100,
        maxDuration: .seconds(2),
        maxIterations: 200_000
    )

    let allocator = ByteBufferAllocator()
    let chatMessage: JSONValue = [
        "room": "general", "text": "hello there, how is everyone doing today?", "id": 123_456, "at": 1_763_900_000_000,
    ]
    let chatText = try! JSONSerializer.string(chatMessage)
    let chatBuffer = ByteBuffer(string: chatText)
    let parser = JSONParser()

    Benchmark("JSON parse (chat message, 100 B)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try parser.parse(chatBuffer)) }
    }

    Benchmark("JSON serialize (chat message, 100 B)") { benchmark in
        var buffer = allocator.buffer(capacity: 256)
        for _ in benchmark.scaledIterations {
            buffer.clear()
            try JSONSerializer.write(chatMessage, into: &buffer)
            blackHole(buffer.readableBytes)
        }
    }

    let event = SocketIOPacket.event("message", arguments: [chatMessage], namespace: "/", ackID: 7)
    Benchmark("Socket.IO encode event with ack → OutboundEngineMessage (payload + WebSocket frame)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(SocketIOPacketEncoder.encode(event, allocator: allocator)) }
    }

    let eventText = SocketIOPacketEncoder.encodeText(event, allocator: allocator).text
    Benchmark("Socket.IO decode event with ack") { benchmark in
        var decoder = SocketIOPacketDecoder()
        for _ in benchmark.scaledIterations { blackHole(try decoder.decode(.text(eventText))) }
    }

    let engineText: ByteBuffer = {
        var buffer = ByteBuffer(string: "4")
        var copy = eventText
        buffer.writeBuffer(&copy)
        return buffer
    }()
    Benchmark("Engine.IO decode text message packet (UTF-8 validated)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try EnginePacket.decodeText(engineText)) }
    }

    Benchmark("WebSocket server frame encode (Engine.IO message)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(
                WebSocketFraming.serverFrame(
                    opcode: WebSocketFraming.textOpcode, prefix: UInt8(ascii: "4"), payload: eventText, allocator: allocator))
        }
    }

    // A masked client frame, as the server's pipeline (NIO's WebSocketFrameDecoder) receives it.
    let maskedFrame: ByteBuffer = {
        var buffer = ByteBuffer()
        let key: WebSocketMaskingKey = [1, 2, 3, 4]
        buffer.writeInteger(UInt8(0x81))
        buffer.writeInteger(UInt8(0x80 | 126))
        buffer.writeInteger(UInt16(engineText.readableBytes))
        buffer.writeBytes(key)
        var payload = engineText
        payload.webSocketMask(key)
        buffer.writeBuffer(&payload)
        return buffer
    }()
    Benchmark("WebSocket client frame decode (NIO pipeline) + Engine.IO + Socket.IO decode") { benchmark in
        // The server's inbound pipeline: ByteToMessageHandler(WebSocketFrameDecoder), then our decoders.
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1_000_000)))
        var socketIODecoder = SocketIOPacketDecoder()
        for _ in benchmark.scaledIterations {
            try channel.writeInbound(maskedFrame)
            guard let frame = try channel.readInbound(as: WebSocketFrame.self) else { fatalError("incomplete frame") }
            let packet = try EnginePacket.decodeText(frame.unmaskedData)
            guard case .message(let message) = packet else { fatalError("not a message") }
            blackHole(try socketIODecoder.decode(message))
        }
        _ = try channel.finish()
    }
}
