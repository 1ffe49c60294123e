import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

struct ChatMessage: Codable, Sendable, Hashable {
    var room: String
    var text: String
    var priority: Int?
}

@Suite struct TypedEventTests {
    let harness = Harness()

    @Test func handlerReceivesTheDecodedPayload() throws {
        let (connection, socket) = try harness.connectSocket()
        let received = Recorder<ChatMessage>()
        socket.on("message", as: ChatMessage.self) { _, message, ack in
            received.record(message)
            ack?(true)
        }
        connection.receive(#"23["message",{"room":"r","text":"hi","priority":2}]"#)
        #expect(received.values == [ChatMessage(room: "r", text: "hi", priority: 2)])
        #expect(connection.takeSent() == [.text("33[true]")])
    }

    @Test func undecodablePayloadIsReportedAndAcknowledgedWithAnError() throws {
        let (connection, socket) = try harness.connectSocket()
        let received = Recorder<ChatMessage>()
        let errors = Recorder<SocketIOPayloadError>()
        socket.onError { _, error in if let error = error as? SocketIOPayloadError { errors.record(error) } }
        socket.on("message", as: ChatMessage.self) { _, message, _ in received.record(message) }
        connection.receive(#"24["message",{"room":5}]"#)
        connection.receive(#"2["message"]"#)
        #expect(received.values.isEmpty)
        #expect(errors.values.count == 2)
        #expect(errors.values.first?.event == "message")
        let ack = try #require(connection.takeSent().first?.text)
        #expect(ack.hasPrefix(#"34[{"error":"invalid payload","message":"payload of \"message\" is not a valid ChatMessage"#))
        #expect(socket.isConnected)
    }

    @Test func emitEncodesThePayloadInKeyOrder() throws {
        let (connection, socket) = try harness.connectSocket()
        try socket.emit("message", encoding: ChatMessage(room: "r", text: "hi", priority: nil))
        try harness.server.mainNamespace.all.emit("message", encoding: ChatMessage(room: "r", text: "yo", priority: 1))
        #expect(connection.takeSent() == [
            .text(#"2["message",{"room":"r","text":"hi"}]"#),
            .text(#"2["message",{"room":"r","text":"yo","priority":1}]"#),
        ])
    }

    @Test func nonFiniteNumberIsNotSent() throws {
        let (connection, socket) = try harness.connectSocket()
        #expect(throws: EncodingError.self) { try socket.emit("n", encoding: Double.nan) }
        #expect(connection.takeSent().isEmpty)
    }
}
