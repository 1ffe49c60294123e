import EngineIO
import NIOCore
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct PacketEncoderTests {
    func wire(_ packet: SocketIOPacket) -> [WireMessage] {
        SocketIOPacketEncoder.encode(packet).map(WireMessage.init)
    }

    @Test func encodesConnectReplyOnMainNamespace() {
        #expect(wire(SocketIOPacket(type: .connect, data: ["sid": "abc"])) == [.text(#"0{"sid":"abc"}"#)])
    }

    @Test func encodesConnectReplyOnCustomNamespace() {
        #expect(wire(SocketIOPacket(type: .connect, namespace: "/custom", data: ["sid": "abc"])) == [.text(#"0/custom,{"sid":"abc"}"#)])
    }

    @Test func encodesInvalidNamespaceError() {
        let packet = SocketIOPacket(type: .connectError, namespace: "/random", data: ["message": "Invalid namespace"])
        #expect(wire(packet) == [.text(#"4/random,{"message":"Invalid namespace"}"#)])
    }

    @Test func encodesDisconnect() {
        #expect(wire(SocketIOPacket(type: .disconnect)) == [.text("1")])
        #expect(wire(SocketIOPacket(type: .disconnect, namespace: "/custom")) == [.text("1/custom,")])
    }

    @Test func encodesEventWithNamespaceAndAckID() {
        #expect(wire(.event("hello", arguments: [1, "2"], namespace: "/admin", ackID: 12)) == [.text(#"2/admin,12["hello",1,"2"]"#)])
    }

    @Test func encodesAck() {
        let packet = SocketIOPacket(type: .ack, ackID: 456, data: [1, "2", ["3": [false]]])
        #expect(wire(packet) == [.text(#"3456[1,"2",{"3":[false]}]"#)])
    }

    @Test func turnsEventWithBinaryIntoBinaryEventWithAttachmentsInOrder() {
        let packet = SocketIOPacket.event("message-back", arguments: [.binary(ByteBuffer(bytes: [1, 2, 3])), .binary(ByteBuffer(bytes: [4, 5, 6]))])
        #expect(wire(packet) == [
            .text(#"52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
            .binary([1, 2, 3]), .binary([4, 5, 6]),
        ])
    }

    @Test func turnsAckWithBinaryIntoBinaryAck() {
        let packet = SocketIOPacket(type: .ack, namespace: "/x", ackID: 789, data: [["nested": .binary(ByteBuffer(bytes: [9]))]])
        #expect(wire(packet) == [.text(#"61-/x,789[{"nested":{"_placeholder":true,"num":0}}]"#), .binary([9])])
    }

    @Test func prebuildsWebSocketFrames() {
        let messages = SocketIOPacketEncoder.encode(SocketIOPacket(type: .disconnect))
        #expect(Array(messages[0].webSocketFrame.readableBytesView) == [0x81, 2, UInt8(ascii: "4"), UInt8(ascii: "1")])
    }
}

@Suite struct PacketEncoderEdgeTests {
    @Test func explicitBinaryEventWithoutBinaryStillCarriesItsCount() {
        let messages = SocketIOPacketEncoder.encode(SocketIOPacket(type: .binaryEvent, data: ["a"]))
        #expect(messages.map(WireMessage.init) == [.text(#"50-["a"]"#)])
    }
}
