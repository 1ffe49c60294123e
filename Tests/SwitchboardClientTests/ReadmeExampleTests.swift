import NIOConcurrencyHelpers
import NIOCore
import SwitchboardClient
import SwitchboardJSON
import Testing

/// The README's Swift client example, against our conformance server (keep the two in step).
@Suite("README client example", .timeLimit(.minutes(1)))
struct ReadmeExampleTests {
    @Test func readmeExampleConnectsEmitsAndGetsItsAck() async throws {
        let server = try await LoopbackServer.start()
        let backs = EventNames()

        var options = SocketIOClientOptions(auth: ["token": "secret"])
        options.forceNew = true
        let socket = try SocketIOClient.socket(url: server.url, options: options)
        socket.on("message-back") { arguments, _ in backs.append("\(arguments)") }
        socket.on("disconnect") { arguments, _ in print("disconnected:", arguments) }
        try await socket.connectAndWait()
        socket.emit("message", "hello", .binary(ByteBuffer(bytes: [1, 2, 3])))
        let echoed = try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", ["n": 1])
        #expect(echoed == [["n": 1]])
        #expect(!socket.recovered)
        try await backs.wait(count: 1)
        socket.disconnect()
        await server.stop()
    }
}
