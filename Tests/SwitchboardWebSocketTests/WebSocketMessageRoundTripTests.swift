import NIOCore
import NIOWebSocket
import SwitchboardTestSupport
import Testing

@testable import SwitchboardWebSocket

/// Property: any sequence of messages, cut into any fragments (with pings between fragments),
/// compressed or not, comes out of the assembler as the same messages in the same order.
@Suite struct WebSocketMessageRoundTripTests {
    static func randomMessage(_ generator: inout SeededGenerator) -> WebSocketMessage {
        let pieces = ["a", "Hello ", "κόσμε", "€", "𝄞", "\u{0}", "{\"k\":[1,2]}", " "]
        let count = Int.random(in: 0...400, using: &generator)
        if Bool.random(using: &generator) {
            var text = ""
            for _ in 0..<count { text += pieces.randomElement(using: &generator)! }
            return .text(text)
        }
        return .binary(ByteBuffer(bytes: (0..<count * 3).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    /// Cuts `payload` into 1...5 random fragments.
    static func fragments(_ payload: ByteBuffer, _ generator: inout SeededGenerator) -> [ByteBuffer] {
        var remaining = payload
        var result: [ByteBuffer] = []
        let count = Int.random(in: 1...5, using: &generator)
        for index in 0..<count {
            let length = index == count - 1 ? remaining.readableBytes : Int.random(in: 0...remaining.readableBytes, using: &generator)
            result.append(remaining.readSlice(length: length)!)
        }
        return result
    }

    @Test(arguments: [nil, PerMessageDeflate.Configuration(), PerMessageDeflate.Configuration(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 8, clientMaxWindowBits: 8)])
    func deliversEveryMessageUnchangedWhateverTheFragmentation(deflate: PerMessageDeflate.Configuration?) throws {
        for seed in UInt64(1)...40 {
            var generator = SeededGenerator(seed: seed)
            var assembler = try WebSocketMessageAssembler(maxMessageSize: 1 << 20, deflate: deflate)
            // The peer's compressor uses the client's side of the agreement.
            let peer = try deflate.map {
                try PerMessageDeflater(
                    configuration: .init(serverNoContextTakeover: $0.clientNoContextTakeover, serverMaxWindowBits: $0.clientMaxWindowBits)
                )
            }
            for _ in 0..<15 {
                let message = Self.randomMessage(&generator)
                let compress = peer != nil && message.data.readableBytes > 0 && Bool.random(using: &generator)
                let payload = compress ? try peer!.compress(message.data, allocator: .init()) : message.data
                let pieces = Self.fragments(payload, &generator)
                var delivered: [WebSocketMessage] = []
                for (index, piece) in pieces.enumerated() {
                    let isLast = index == pieces.count - 1
                    let opcode: WebSocketOpcode = index > 0 ? .continuation : message.kind == .text ? .text : .binary
                    let key = Bool.random(using: &generator) ? WebSocketMaskingKey.random(using: &generator) : nil
                    let action = assembler.receive(frame(opcode, Array(piece.readableBytesView), fin: isLast, rsv1: compress && index == 0, maskKey: key))
                    switch action {
                    case .deliver(let message): delivered.append(message)
                    case .none: break
                    default: Issue.record("seed \(seed): unexpected \(action.summary)")
                    }
                    if !isLast && Int.random(in: 0..<4, using: &generator) == 0 {
                        let ping = assembler.receive(frame(.ping, [1, 2]))
                        #expect(ping.summary == "pong [1, 2]", "seed \(seed)")
                    }
                }
                #expect(delivered == [message], "seed \(seed)")
            }
        }
    }
}
