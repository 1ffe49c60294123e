import EngineIO
import NIOCore
import SocketIO
import SwitchboardJSON
import SwitchboardTestSupport
import Testing

@Suite struct PacketDecoderTests {
    func decode(_ text: String) throws(SocketIOPacketError) -> SocketIOPacket? {
        var decoder = SocketIOPacketDecoder()
        return try decoder.decode(.text(ByteBuffer(string: text)))
    }

    @Test func decodesConnectWithoutPayload() throws {
        #expect(try decode("0") == SocketIOPacket(type: .connect))
    }

    @Test func decodesConnectWithAuth() throws {
        #expect(try decode(#"0{"token":"123"}"#) == SocketIOPacket(type: .connect, data: ["token": "123"]))
    }

    @Test func decodesConnectToCustomNamespaceWithAndWithoutComma() throws {
        #expect(try decode("0/custom,") == SocketIOPacket(type: .connect, namespace: "/custom"))
        #expect(try decode("0/custom") == SocketIOPacket(type: .connect, namespace: "/custom"))
        #expect(try decode(#"0/custom,{"token":"abc"}"#) == SocketIOPacket(type: .connect, namespace: "/custom", data: ["token": "abc"]))
    }

    @Test func decodesDisconnect() throws {
        #expect(try decode("1") == SocketIOPacket(type: .disconnect))
        #expect(try decode("1/custom,") == SocketIOPacket(type: .disconnect, namespace: "/custom"))
    }

    @Test func decodesEventWithAckID() throws {
        #expect(try decode(#"2456["message-with-ack",1,"2",{"3":[false]}]"#)
            == .event("message-with-ack", arguments: [1, "2", ["3": [false]]], ackID: 456))
    }

    @Test func decodesEventWithNamespaceAndAckID() throws {
        #expect(try decode(#"2/admin,7["a"]"#) == .event("a", arguments: [], namespace: "/admin", ackID: 7))
    }

    @Test func decodesAck() throws {
        #expect(try decode("31[true]") == SocketIOPacket(type: .ack, ackID: 1, data: [true]))
    }

    @Test func collectsAttachmentsThenReconstructsTheBinaryEvent() throws {
        var decoder = SocketIOPacketDecoder()
        let header = #"52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
        #expect(try decoder.decode(.text(ByteBuffer(string: header))) == nil)
        #expect(decoder.isAwaitingAttachments)
        #expect(try decoder.decode(.binary(ByteBuffer(bytes: [1, 2, 3]))) == nil)
        let packet = try decoder.decode(.binary(ByteBuffer(bytes: [4, 5, 6])))
        #expect(packet == .event("message", arguments: [.binary(ByteBuffer(bytes: [1, 2, 3])), .binary(ByteBuffer(bytes: [4, 5, 6]))]))
        #expect(!decoder.isAwaitingAttachments)
    }

    @Test func reconstructsBinaryAckWithAckID() throws {
        var decoder = SocketIOPacketDecoder()
        #expect(try decoder.decode(.text(ByteBuffer(string: #"61-/x,789[{"a":{"_placeholder":true,"num":0}}]"#))) == nil)
        let packet = try decoder.decode(.binary(ByteBuffer(bytes: [7])))
        #expect(packet == SocketIOPacket(type: .ack, namespace: "/x", ackID: 789, data: [["a": .binary(ByteBuffer(bytes: [7]))]]))
    }

    @Test func binaryPacketWithZeroAttachmentsIsCompleteAtOnce() throws {
        #expect(try decode(#"50-["a"]"#) == .event("a", arguments: []))
    }

    @Test func decoderIsReusableAfterAPacket() throws {
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(.text(ByteBuffer(string: #"51-["a",{"_placeholder":true,"num":0}]"#)))
        _ = try decoder.decode(.binary(ByteBuffer(bytes: [1])))
        #expect(try decoder.decode(.text(ByteBuffer(string: #"2["b"]"#))) == .event("b", arguments: []))
    }

    // MARK: Rejections, one per rule

    func expectRejection(_ text: String, _ code: SocketIOPacketError.Code) {
        #expect(throws: SocketIOPacketError(code: code), "\(text)") { try decode(text) }
    }

    @Test func rejectsEmptyPacket() { expectRejection("", .emptyPacket) }
    @Test func rejectsUnknownTypeLetter() { expectRejection("abc", .unknownType) }
    @Test func rejectsUnknownTypeDigit() { expectRejection("7", .unknownType) }
    @Test func rejectsEventPayloadThatIsNotAnArray() { expectRejection("2{}", .eventPayloadNotArray) }
    @Test func rejectsLettersInAckID() { expectRejection(#"2abc["message-with-ack",1,"2",{"3":[false]}]"#, .invalidAckID) }
    @Test func rejectsLettersAfterAckDigits() { expectRejection(#"212abc["a"]"#, .invalidAckID) }
    @Test func rejectsHugeAckID() { expectRejection(#"299999999999999999999["a"]"#, .invalidAckID) }
    @Test func rejectsMissingAttachmentCount() { expectRejection(#"5["a"]"#, .invalidAttachmentCount) }
    @Test func rejectsAttachmentCountWithoutDash() { expectRejection(#"52["a"]"#, .invalidAttachmentCount) }
    @Test func rejectsTooManyAttachments() { expectRejection(#"511-["a"]"#, .tooManyAttachments) }
    @Test func rejectsInvalidJSON() { expectRejection(#"2["a""#, .invalidJSON) }
    @Test func rejectsConnectPayloadThatIsNotAnObject() { expectRejection("0[]", .connectPayloadNotObject) }
    @Test func rejectsDisconnectWithPayload() { expectRejection("1{}", .disconnectWithPayload) }
    @Test func rejectsConnectErrorPayloadThatIsNeitherStringNorObject() { expectRejection("4[1]", .connectErrorPayloadInvalid) }
    @Test func rejectsEventWithEmptyArray() { expectRejection("2[]", .missingEventName) }
    @Test func rejectsEventWithNonStringName() { expectRejection("2[1]", .invalidEventName) }
    @Test func rejectsReservedEventName() { expectRejection(#"2["disconnect"]"#, .reservedEventName) }
    @Test func rejectsAckPayloadThatIsNotAnArray() { expectRejection("31{}", .ackPayloadNotArray) }
    @Test func rejectsEventWithoutPayload() { expectRejection("2", .missingPayload) }
    @Test func rejectsPlaceholderOutOfRange() throws {
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(.text(ByteBuffer(string: #"51-["a",{"_placeholder":true,"num":1}]"#)))
        #expect(throws: SocketIOPacketError(code: .invalidPlaceholder)) { try decoder.decode(.binary(ByteBuffer(bytes: [1]))) }
    }
    @Test func rejectsAttachmentWithoutPendingPacket() {
        var decoder = SocketIOPacketDecoder()
        #expect(throws: SocketIOPacketError(code: .attachmentWithoutPacket)) { try decoder.decode(.binary(ByteBuffer(bytes: [1]))) }
    }
    @Test func rejectsTextWhileAwaitingAttachments() throws {
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(.text(ByteBuffer(string: #"51-["a",{"_placeholder":true,"num":0}]"#)))
        #expect(throws: SocketIOPacketError(code: .textWhileAwaitingAttachments)) { try decoder.decode(.text(ByteBuffer(string: "2[\"b\"]"))) }
    }
    @Test func respectsConfiguredAttachmentLimit() {
        var decoder = SocketIOPacketDecoder(maximumAttachments: 1)
        #expect(throws: SocketIOPacketError(code: .tooManyAttachments)) {
            try decoder.decode(.text(ByteBuffer(string: #"52-["a"]"#)))
        }
    }
}

@Suite struct PacketRoundTripTests {
    static let namespaces = ["/", "/custom", "/a/b"]

    func randomPacket(_ g: inout SeededGenerator) -> SocketIOPacket {
        let namespace = Self.namespaces.randomElement(using: &g)!
        let ackID: Int? = Bool.random(using: &g) ? Int.random(in: 0...1_000_000, using: &g) : nil
        var arguments: [JSONValue] = []
        for _ in 0..<Int.random(in: 0...4, using: &g) {
            switch Int.random(in: 0..<5, using: &g) {
            case 0: arguments.append(.int(Int64.random(in: -1000...1000, using: &g)))
            case 1: arguments.append(.string(["", "x", "é\"\\\n", "😀"].randomElement(using: &g)!))
            case 2: arguments.append(.binary(ByteBuffer(bytes: (0..<Int.random(in: 0...5, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) })))
            case 3: arguments.append(["k": .binary(ByteBuffer(bytes: [1])), "n": nil])
            default: arguments.append([true, 1.5, ["deep": [.binary(ByteBuffer(bytes: [2, 3]))]]])
            }
        }
        if Bool.random(using: &g) {
            return .event("ev\(Int.random(in: 0...9, using: &g))", arguments: arguments, namespace: namespace, ackID: ackID)
        }
        return SocketIOPacket(type: .ack, namespace: namespace, ackID: ackID ?? 0, data: .array(arguments))
    }

    @Test(arguments: 0..<10)
    func encodeThenDecodeGivesTheSamePacket(seed: Int) throws {
        var g = SeededGenerator(seed: UInt64(seed))
        for _ in 0..<200 {
            let packet = randomPacket(&g)
            var decoder = SocketIOPacketDecoder()
            var decoded: SocketIOPacket?
            for message in SocketIOPacketEncoder.encode(packet) {
                #expect(decoded == nil)
                decoded = try decoder.decode(message.isBinary ? .binary(message.payload) : .text(message.payload))
            }
            #expect(decoded == packet)
        }
    }
}

@Suite struct PacketDecoderRobustnessTests {
    static let alphabet: [UInt8] = Array(#"0123456789-/,[]{}":_abcnulltrue placeholder\"#.utf8) + [0xC3, 0xA9]

    @Test(arguments: 0..<5)
    func randomInputYieldsAPacketOrATypedErrorNeverACrash(seed: Int) {
        var g = SeededGenerator(seed: UInt64(seed) &+ 1000)
        var decoder = SocketIOPacketDecoder()
        var outcomes = (packets: 0, errors: 0)
        for _ in 0..<2000 {
            let length = Int.random(in: 0...24, using: &g)
            let bytes = (0..<length).map { _ in Self.alphabet.randomElement(using: &g)! }
            let message: EngineMessage = Int.random(in: 0..<8, using: &g) == 0
                ? .binary(ByteBuffer(bytes: bytes)) : .text(ByteBuffer(bytes: bytes))
            do {
                if try decoder.decode(message) != nil { outcomes.packets += 1 }
            } catch {
                outcomes.errors += 1
            }
        }
        #expect(outcomes.errors > 0)
    }

    @Test func wellFormedPrefixesOfRandomShapeDecode() throws {
        for text in [#"2["a",{"b":[1,2,{"c":null}]}]"#, #"0/a/b/c,{"x":"y"}"#, "3/n,0[]"] {
            var decoder = SocketIOPacketDecoder()
            #expect(try decoder.decode(.text(ByteBuffer(string: text))) != nil)
        }
    }
}
