import ClusterProtocol
import NIOCore
import SocketIO
import SwitchboardJSON
import SwitchboardTestSupport
import Testing

/// One example of every message kind, with every optional field both present and absent.
let sampleEnvelopes: [ClusterEnvelope] = {
    let node = ClusterNodeID("node-A")
    let selection = ClusterSelection(rooms: ["a", "b"], except: ["x"])
    let frames = [
        ClusterFrame(isBinary: false, payload: ByteBuffer(string: #"451-["file",{"_placeholder":true,"num":0}]"#)),
        ClusterFrame(isBinary: true, payload: ByteBuffer(bytes: [0, 1, 2, 255])),
    ]
    let snapshot = ClusterSocketSnapshot(
        id: "s1", rooms: ["s1", "lobby"], data: ["user": "ann"], auth: ["token": 7], url: "/socket.io/?EIO=4",
        query: [.init(name: "EIO", value: "4")], headers: [.init(name: "Host", value: "x"), .init(name: "host", value: "y")],
        remoteAddress: "127.0.0.1", isSecure: true, issuedAtMilliseconds: 1_700_000_000_000
    )
    let messages: [ClusterMessage] = [
        .broadcast(ClusterBroadcast(id: 1, selection: selection, frames: frames)),
        .broadcast(ClusterBroadcast(
            id: .max, selection: ClusterSelection(), volatile: true, compress: false,
            ack: .init(requestID: 9, ackID: 12, timeoutMilliseconds: 2_500), frames: []
        )),
        .clientCount(requestID: 3, count: 0),
        .clientCount(requestID: 4, count: 120_000),
        .broadcastAck(requestID: 5, arguments: [.null, .bool(true), .bool(false), .int(-3), .double(0.5), .string("é"), .binary(ByteBuffer(bytes: [7]))]),
        .socketsJoin(selection, rooms: ["r1", "r2"]),
        .socketsLeave(ClusterSelection(rooms: ["s1"]), rooms: ["r1"]),
        .disconnectSockets(selection, close: true),
        .disconnectSockets(ClusterSelection(), close: false),
        .fetchSockets(requestID: 6, selection),
        .fetchSocketsResponse(requestID: 6, sockets: [snapshot, ClusterSocketSnapshot(
            id: "s2", rooms: [], data: .null, auth: [:], url: "/", query: [], headers: [], remoteAddress: nil,
            isSecure: false, issuedAtMilliseconds: -1
        )]),
        .fetchSocketsResponse(requestID: 7, sockets: []),
        .serverSideEmit(requestID: nil, event: "hello", arguments: [["nested": [1, [2, [3]]]]]),
        .serverSideEmit(requestID: 8, event: "", arguments: []),
        .serverSideEmitResponse(requestID: 8, arguments: ["ok"]),
    ]
    return messages.map { ClusterEnvelope(sender: node, namespace: "/chat", message: $0) }
}()

@Suite struct AdapterMessageCodecTests {
    @Test(arguments: sampleEnvelopes)
    func everyMessageKindRoundTrips(_ envelope: ClusterEnvelope) throws {
        let bytes = ClusterMessageCodec.encode(envelope)
        #expect(try ClusterMessageCodec.decode(bytes) == envelope)
    }

    @Test(arguments: sampleEnvelopes)
    func everyStrictPrefixIsRejectedAsTruncated(_ envelope: ClusterEnvelope) {
        let bytes = ClusterMessageCodec.encode(envelope)
        for length in 0..<bytes.readableBytes {
            let prefix = bytes.getSlice(at: bytes.readerIndex, length: length)!
            do {
                _ = try ClusterMessageCodec.decode(prefix)
                Issue.record("a prefix of \(length) bytes decoded")
            } catch {
                #expect(error.code == .truncated, "prefix of \(length) bytes")
            }
        }
    }

    @Test func randomEnvelopesRoundTrip() throws {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let requestID: UInt64? = Bool.random(using: &generator) ? nil : generator.next()
            let event = randomString(&generator)
            let arguments = (0..<Int.random(in: 0...4, using: &generator)).map { _ in randomJSON(&generator, depth: 0) }
            let envelope = ClusterEnvelope(
                sender: .random(using: &generator), namespace: randomString(&generator),
                message: .serverSideEmit(requestID: requestID, event: event, arguments: arguments)
            )
            #expect(try ClusterMessageCodec.decode(ClusterMessageCodec.encode(envelope)) == envelope)
        }
    }

    @Test func broadcastFramesComeBackAsTheSenderEncodedThem() throws {
        let text = ByteBuffer(string: #"2["news",{"a":1}]"#)
        let envelope = ClusterEnvelope(sender: ClusterNodeID("n"), namespace: "/", message: .broadcast(
            ClusterBroadcast(id: 1, selection: ClusterSelection(), frames: [ClusterFrame(isBinary: false, payload: text)])
        ))
        guard case .broadcast(let decoded) = try ClusterMessageCodec.decode(ClusterMessageCodec.encode(envelope)).message else {
            Issue.record("not a broadcast")
            return
        }
        let outbound = decoded.frames[0].outbound()
        #expect(!outbound.isBinary)
        #expect(outbound.payload == text)
    }

    @Test func anotherVersionIsRejected() {
        var bytes = ClusterMessageCodec.encode(sampleEnvelopes[0])
        bytes.setInteger(UInt8(2), at: bytes.readerIndex)
        expectCode(.unsupportedVersion, bytes)
    }

    @Test func anUnknownKindIsRejected() {
        var bytes = ClusterMessageCodec.encode(sampleEnvelopes[0])
        bytes.setInteger(UInt8(200), at: bytes.readerIndex + 1)
        expectCode(.unknownKind, bytes)
    }

    @Test func trailingBytesAreRejected() {
        var bytes = ClusterMessageCodec.encode(sampleEnvelopes[2])
        bytes.writeInteger(UInt8(0))
        expectCode(.trailingBytes, bytes)
    }

    @Test func invalidUTF8InAStringIsRejected() {
        var bytes = ByteBuffer()
        bytes.writeInteger(ClusterMessageCodec.version)
        bytes.writeInteger(UInt8(3))  // clientCount
        bytes.writeInteger(UInt32(2))
        bytes.writeBytes([0xC3, 0x28])  // invalid sender
        expectCode(.invalidUTF8, bytes)
    }

    @Test func aBooleanOtherThanZeroOrOneIsRejected() {
        var bytes = ClusterMessageCodec.encode(ClusterEnvelope(
            sender: ClusterNodeID("n"), namespace: "/", message: .disconnectSockets(ClusterSelection(), close: true)))
        bytes.setInteger(UInt8(2), at: bytes.writerIndex - 1)
        expectCode(.invalidValue, bytes)
    }

    @Test func aNegativeClientCountIsRejected() {
        var bytes = ClusterMessageCodec.encode(ClusterEnvelope(
            sender: ClusterNodeID("n"), namespace: "/", message: .clientCount(requestID: 1, count: 1)))
        bytes.setInteger(Int64(-1), at: bytes.writerIndex - 8)
        expectCode(.invalidValue, bytes)
    }

    @Test func aNegativeAckIDIsRejected() {
        var bytes = ClusterMessageCodec.encode(ClusterEnvelope(sender: ClusterNodeID("n"), namespace: "/", message: .broadcast(
            ClusterBroadcast(id: 1, selection: ClusterSelection(), ack: .init(requestID: 2, ackID: 3), frames: []))))
        // The ack id is the 8 bytes before the timeout and the frame count.
        bytes.setInteger(Int64(-1), at: bytes.writerIndex - 4 - 8 - 8)
        expectCode(.invalidValue, bytes)
    }

    @Test func aNegativeAckTimeoutIsRejected() {
        var bytes = ClusterMessageCodec.encode(ClusterEnvelope(sender: ClusterNodeID("n"), namespace: "/", message: .broadcast(
            ClusterBroadcast(id: 1, selection: ClusterSelection(), ack: .init(requestID: 2, ackID: 3), frames: []))))
        bytes.setInteger(Int64(-1), at: bytes.writerIndex - 4 - 8)
        expectCode(.invalidValue, bytes)
    }

    @Test func aCountLargerThanTheRemainingBytesIsRejectedBeforeAllocating() {
        var bytes = ByteBuffer()
        bytes.writeInteger(ClusterMessageCodec.version)
        bytes.writeInteger(UInt8(4))  // socketsJoin
        for string in ["n", "/"] {
            bytes.writeInteger(UInt32(string.utf8.count))
            bytes.writeString(string)
        }
        bytes.writeInteger(UInt32.max)  // rooms count
        expectCode(.truncated, bytes)
    }

    @Test func jsonNestedDeeperThanTheLimitIsRejected() {
        var value: JSONValue = .null
        for _ in 0..<200 { value = .array([value]) }
        let bytes = ClusterMessageCodec.encode(ClusterEnvelope(
            sender: ClusterNodeID("n"), namespace: "/", message: .serverSideEmit(requestID: nil, event: "e", arguments: [value])))
        expectCode(.invalidValue, bytes)
    }

    @Test func anUnknownJSONTagIsRejected() {
        var bytes = ClusterMessageCodec.encode(ClusterEnvelope(
            sender: ClusterNodeID("n"), namespace: "/", message: .serverSideEmitResponse(requestID: 1, arguments: [.null])))
        bytes.setInteger(UInt8(99), at: bytes.writerIndex - 1)
        expectCode(.unknownKind, bytes)
    }

    @Test func answersNameTheirRequestAndRequestsDoNot() {
        let answered = sampleEnvelopes.map(\.message.answeredRequestID)
        #expect(answered == [nil, nil, 3, 4, 5, nil, nil, nil, nil, nil, 6, 7, nil, nil, 8])
    }

    @Test func selectionsSortRoomsAndRoundTripToOptions() {
        let options = SocketIOBroadcastOptions(rooms: ["b", "a"], except: ["z", "y"])
        let selection = ClusterSelection(options)
        #expect(selection.rooms == ["a", "b"])
        #expect(selection.except == ["y", "z"])
        let flags = SocketIOBroadcastOptions.Flags(volatile: true)
        #expect(selection.options(flags: flags) == SocketIOBroadcastOptions(rooms: ["a", "b"], except: ["y", "z"], flags: flags))
    }

    @Test func snapshotsKeepTheHandshake() {
        let snapshot = ClusterSocketSnapshot(
            id: "s", rooms: ["s"], data: .null, auth: ["k": "v"], url: "/socket.io/?a=1", query: [.init(name: "a", value: "1")],
            headers: [.init(name: "X-Test", value: "yes")], remoteAddress: "10.0.0.1", isSecure: true, issuedAtMilliseconds: 5
        )
        let handshake = snapshot.handshake
        #expect(handshake.auth == ["k": "v"])
        #expect(handshake.query == ["a": "1"])
        #expect(handshake.header("x-test") == "yes")
        #expect(handshake.address == "10.0.0.1")
        #expect(handshake.isSecure)
        #expect(handshake.issuedAtMilliseconds == 5)
        #expect(ClusterSocketSnapshot(id: "s", rooms: ["s"], data: .null, handshake: handshake) == snapshot)
    }

    private func expectCode(_ code: ClusterDecodingError.Code, _ bytes: ByteBuffer, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ClusterMessageCodec.decode(bytes)
            Issue.record("decoded, expected \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, sourceLocation: sourceLocation)
        }
    }
}


func randomString(_ generator: inout SeededGenerator) -> String {
    let scalars = ["a", "Z", "#", "/", "é", "日", "🎉", "\u{0}", " "]
    return (0..<Int.random(in: 0...6, using: &generator)).map { _ in scalars.randomElement(using: &generator)! }.joined()
}

func randomJSON(_ generator: inout SeededGenerator, depth: Int) -> JSONValue {
    switch Int.random(in: 0...(depth > 3 ? 5 : 8), using: &generator) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &generator))
    case 2: return .int(Int64(bitPattern: generator.next()))
    case 3: return .double(Double.random(in: -1e9...1e9, using: &generator))
    case 4: return .string(randomString(&generator))
    case 5:
        let count = Int.random(in: 0...5, using: &generator)
        return .binary(ByteBuffer(bytes: (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    case 6, 7:
        let count = Int.random(in: 0...3, using: &generator)
        return .array((0..<count).map { _ in randomJSON(&generator, depth: depth + 1) })
    default:
        let count = Int.random(in: 0...3, using: &generator)
        var members: [(String, JSONValue)] = []
        for _ in 0..<count { members.append((randomString(&generator), randomJSON(&generator, depth: depth + 1))) }
        return .object(JSONObject(members))
    }
}
