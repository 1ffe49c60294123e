import Foundation
import Logging
import SwitchboardChat
import SwitchboardClient
import SwitchboardJSON
import Testing

@Suite(.timeLimit(.minutes(1))) struct RestartEndToEndTests {
    @Test func accountsRoomsAndHistorySurviveARestartOnTheDefaultStorage() async throws {
        var logger = Logger(label: "test.restart")
        logger.logLevel = .critical
        let dataDirectory = NSTemporaryDirectory() + "chat-restart-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        // No JWT secret: the generated one in the data directory must survive the restart too.
        let configuration = ChatServerConfiguration(
            host: "127.0.0.1", port: 0, dataDirectory: dataDirectory, passwordIterations: 1_000, backupCron: "0 0 1 1 *")

        let assembly = try await ChatServer.open(configuration: configuration, logger: logger)
        var port = try await assembly.server.start()
        let register = try await RawHTTP.request(
            port: port, method: "POST", path: "/api/register", body: #"{"username":"alice","password":"password-123"}"#)
        #expect(register.status == 201)
        let token = try #require(register.json?["token"]?.stringValue)
        let client = try ChatClient.connect(port: port, token: token)
        try await client.socket.connectAndWait()
        try await client.ok("rooms:join", ["roomId": "r_general"])
        let room = try #require(try await client.ok("rooms:create", ["name": "Keep", "private": true])["room"]?["id"])
        try await client.ok("message:send", ["roomId": room, "clientMessageId": "k1", "text": "kept"])
        client.disconnect()
        await assembly.server.stop()

        let restarted = try await ChatServer.open(configuration: configuration, logger: logger)
        port = try await restarted.server.start()
        defer { Task { await restarted.server.stop() } }
        let again = try ChatClient.connect(port: port, token: token)
        try await again.socket.connectAndWait()
        defer { again.disconnect() }
        let history = try await again.ok("history:fetch", ["roomId": room])
        #expect(history["messages"]?[0]?["text"] == "kept")
        let rooms = try await again.ok("rooms:list")["rooms"]?.arrayValue ?? []
        #expect(rooms.filter { $0["name"] == "general" }.count == 1)
        #expect(rooms.contains { $0["id"] == room && $0["joined"] == true })
        let login = try await RawHTTP.request(
            port: port, method: "POST", path: "/api/login", body: #"{"username":"alice","password":"password-123"}"#)
        #expect(login.status == 200)
    }
}

extension ChatClient {
    /// A client for `port` with `token`, not yet connected.
    static func connect(port: Int, token: String) throws -> ChatClient {
        let socket = try SocketIOClient.socket(
            url: "http://127.0.0.1:\(port)/",
            options: SocketIOClientOptions(transports: [.websocket], auth: ["token": .string(token)], forceNew: true, reconnection: false))
        return ChatClient(socket: socket, log: EventLog(socket), account: nil)
    }
}
