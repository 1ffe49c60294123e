import NIOCore
import Testing

@testable import SwitchboardWebSocket

@Suite struct PerMessageDeflateCodecTests {
    let allocator = ByteBufferAllocator()

    func compress(_ deflater: PerMessageDeflater, _ text: String) throws -> [UInt8] {
        Array(try deflater.compress(ByteBuffer(string: text), allocator: self.allocator).readableBytesView)
    }

    @Test func compressesHelloToTheBytesOfRFC7692() throws {
        let deflater = try PerMessageDeflater(configuration: .init())
        #expect(try compress(deflater, "Hello") == [UInt8](hex: "f2 48 cd c9 c9 07 00"))
    }

    @Test func reusesTheSlidingWindowWithContextTakeover() throws {
        let deflater = try PerMessageDeflater(configuration: .init())
        _ = try compress(deflater, "Hello")
        #expect(try compress(deflater, "Hello") == [UInt8](hex: "f2 00 11 00 00"))
    }

    @Test func startsEveryMessageAfreshWithServerNoContextTakeover() throws {
        let deflater = try PerMessageDeflater(configuration: .init(serverNoContextTakeover: true))
        #expect(try compress(deflater, "Hello") == [UInt8](hex: "f2 48 cd c9 c9 07 00"))
        #expect(try compress(deflater, "Hello") == [UInt8](hex: "f2 48 cd c9 c9 07 00"))
    }

    @Test(arguments: [false, true], [8, 9, 12, 15])
    func roundTripsManyMessages(noContextTakeover: Bool, windowBits: Int) throws {
        let configuration = PerMessageDeflate.Configuration(
            serverNoContextTakeover: noContextTakeover,
            clientNoContextTakeover: noContextTakeover,
            serverMaxWindowBits: windowBits,
            clientMaxWindowBits: windowBits
        )
        let deflater = try PerMessageDeflater(configuration: configuration)
        // The peer inflates with exactly the agreed window (8 bits included).
        let inflater = try PerMessageInflater(configuration: configuration, allocator: self.allocator)
        var generator = SystemRandomNumberGenerator()
        let words = ["switch", "board", "socket", "engine", "κόσμε", "🙂", " ", "\n", "{\"a\":1}"]
        for round in 0..<60 {
            let size = round % 10 == 0 ? Int.random(in: 0...70_000, using: &generator) : Int.random(in: 0...600, using: &generator)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(size + 8)
            while bytes.count < size {
                if Bool.random(using: &generator) {
                    bytes += words.randomElement(using: &generator)!.utf8
                } else {
                    bytes.append(UInt8.random(in: 0...255, using: &generator))
                }
            }
            let payload = ByteBuffer(bytes: bytes)
            guard payload.readableBytes > 0 else { continue }
            let compressed = try deflater.compress(payload, allocator: self.allocator)
            // Feed it in random fragments, like a fragmented message.
            var remaining = compressed
            var output = ByteBuffer()
            while true {
                let length = Int.random(in: 0...remaining.readableBytes, using: &generator)
                let fragment = remaining.readSlice(length: length)!
                let isFinal = remaining.readableBytes == 0
                try inflater.inflate(fragment, isFinal: isFinal, appendingTo: &output, limit: .max)
                if isFinal { break }
            }
            #expect(output == payload, "round \(round), \(payload.readableBytes) bytes")
        }
    }

    @Test func neverEndsAMessageWithTheSyncFlushTrailer() throws {
        let deflater = try PerMessageDeflater(configuration: .init())
        for text in ["a", "Hello", String(repeating: "xyz", count: 10_000)] {
            let bytes = try compress(deflater, text)
            #expect(Array(bytes.suffix(4)) != [0x00, 0x00, 0xFF, 0xFF])
        }
    }

    @Test func rejectsOutputBeyondTheLimitAfterAtMostOneChunk() throws {
        let deflater = try PerMessageDeflater(configuration: .init())
        let inflater = try PerMessageInflater(configuration: .init(), allocator: self.allocator)
        let compressed = try deflater.compress(ByteBuffer(repeating: 7, count: 4 * 1024 * 1024), allocator: self.allocator)
        var output = ByteBuffer()
        #expect(throws: InflateFailure.tooLarge) {
            try inflater.inflate(compressed, isFinal: true, appendingTo: &output, limit: 1000)
        }
        #expect(output.readableBytes <= 1000)
    }
}
