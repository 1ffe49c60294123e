import ClusterProtocol
import NIOCore
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct AdapterAckIDRewriteTests {
    @Test(arguments: [
        (#"212["ask"]"#, #"27["ask"]"#),
        (#"2/chat,12["ask",1]"#, #"2/chat,7["ask",1]"#),
        (#"51-/chat,345[{"_placeholder":true,"num":0}]"#, #"51-/chat,7[{"_placeholder":true,"num":0}]"#),
        (#"51-0[{"_placeholder":true,"num":0}]"#, #"51-7[{"_placeholder":true,"num":0}]"#),
    ])
    func theAckIDIsReplacedWhereverItSits(_ input: String, _ expected: String) {
        #expect(ClusterAckIDRewrite.replacingAckID(in: ByteBuffer(string: input), with: 7) == ByteBuffer(string: expected))
    }

    @Test(arguments: [#"2["no-ack"]"#, #"2/chat,["x"]"#, "", "2/chat"])
    func aPacketWithoutAckIDIsLeftAlone(_ input: String) {
        #expect(ClusterAckIDRewrite.replacingAckID(in: ByteBuffer(string: input), with: 7) == nil)
    }

    @Test func theRewrittenPacketDecodesWithTheNewID() throws {
        let packet = SocketIOPacket.event("ask", arguments: [.binary(ByteBuffer(bytes: [1])), "x"], namespace: "/n", ackID: 123)
        let messages = SocketIOPacketEncoder.encode(packet, allocator: ByteBufferAllocator())
        let rewritten = try #require(ClusterAckIDRewrite.replacingAckID(in: messages[0].payload, with: 9_007_199_254_740_991))
        #expect(String(buffer: rewritten).hasPrefix("51-/n,9007199254740991["))
    }
}
