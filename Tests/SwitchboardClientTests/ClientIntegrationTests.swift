import EngineIO
import NIOCore
import NIOPosix
import SwitchboardClient
import SwitchboardJSON
import Testing

@Suite("Client against our conformance server", .serialized, .timeLimit(.minutes(1)))
struct ClientIntegrationTests {
    static func options(_ transports: [EngineTransportKind], auth: JSONObject? = nil) -> SocketIOClientOptions {
        SocketIOClientOptions(
            transports: transports, auth: auth, forceNew: true,
            reconnectionDelay: .milliseconds(100), reconnectionDelayMax: .milliseconds(300)
        )
    }

    @Test(arguments: [[EngineTransportKind.polling], [.websocket], [.polling, .websocket]])
    func connectsAndEchoesWithAckOverEachTransport(transports: [EngineTransportKind]) async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url, options: Self.options(transports))
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        #expect(socket.connected)
        #expect(socket.id != nil)
        let answer = try await socket.emitWithAck("message-with-ack", 1, "two", ["three": 3])
        #expect(answer == [1, "two", ["three": 3]])
        if transports == [.polling, .websocket] {
            #expect(try await waitForUpgrade(socket))
            let again = try await socket.emitWithAck("message-with-ack", "after upgrade")
            #expect(again == ["after upgrade"])
        } else {
            #expect(socket.manager.currentTransport == transports[0])
        }
        socket.disconnect()
        try await log.wait(for: "disconnect")
        #expect(log.all("disconnect").first == ["io client disconnect"])
        await server.stop()
    }

    @Test func noMessageIsLostOrReorderedAcrossTheUpgrade() async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url, options: Self.options([.polling, .websocket]))
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        // Emitted while the probe, the pause and the switch happen.
        for index in 0..<60 {
            socket.emit("message", .int(Int64(index)))
            if index % 10 == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        try await log.wait(for: "message-back", count: 60)
        #expect(log.all("message-back") == (0..<60).map { [.int(Int64($0))] })
        #expect(socket.manager.currentTransport == .websocket)
        socket.disconnect()
        await server.stop()
    }

    @Test func binaryRoundTripThroughMessageBack() async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url, options: Self.options([.websocket]))
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        let bytes = ByteBuffer(bytes: [0, 1, 2, 250, 255])
        socket.emit("message", .binary(bytes), ["nested": .binary(ByteBuffer(bytes: [9]))])
        let back = try await log.wait(for: "message-back")
        #expect(back == [.binary(bytes), ["nested": .binary(ByteBuffer(bytes: [9]))]])
        socket.disconnect()
        await server.stop()
    }

    @Test func binaryRoundTripOverPolling() async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url, options: Self.options([.polling]))
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        socket.emit("message", .binary(ByteBuffer(bytes: [1, 2, 3])))
        #expect(try await log.wait(for: "message-back") == [.binary(ByteBuffer(bytes: [1, 2, 3]))])
        socket.disconnect()
        await server.stop()
    }

    @Test func serverAcknowledgementRequestIsAnswered() async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url, options: Self.options([.websocket]))
        let log = EventLog(socket)
        socket.on("ping-client") { arguments, ack in ack?.send(["pong"] + arguments) }
        socket.connect()
        try await log.wait(for: "connect")
        let answer = try await socket.timeout(.seconds(5)).emitWithAck("server-ack", "x")
        #expect(log.all("ping-client").first == ["x"])
        #expect(answer.first?["error"] == nil)
        socket.disconnect()
        await server.stop()
    }

    @Test func customNamespaceSharesTheEngineConnection() async throws {
        let server = try await LoopbackServer.start()
        let manager = try SocketIOClientManager(url: server.url, options: Self.options([.websocket]))
        let main = manager.socket("/")
        let custom = manager.socket("/custom", auth: ["who": "me"])
        let mainLog = EventLog(main)
        let customLog = EventLog(custom)
        main.connect()
        custom.connect()
        try await mainLog.wait(for: "connect")
        try await customLog.wait(for: "connect")
        #expect(try await customLog.wait(for: "auth") == [["who": "me"]])
        // `/custom` does not acknowledge: the deadline fails the emit, the main namespace still answers.
        await #expect(throws: SocketIOClientError.self) {
            _ = try await custom.timeout(.milliseconds(100)).emitWithAck("message-with-ack", "c")
        }
        #expect(try await main.emitWithAck("message-with-ack", "m") == ["m"])
        custom.disconnect()
        try await customLog.wait(for: "disconnect")
        #expect(main.connected)
        main.disconnect()
        await server.stop()
    }

    @Test func unknownNamespaceIsAConnectError() async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url + "/random", options: Self.options([.websocket]))
        let log = EventLog(socket)
        socket.connect()
        let error = try await log.wait(for: "connect_error")
        #expect(error.first?["message"] == "Invalid namespace")
        #expect(!socket.connected)
        await server.stop()
    }

    @Test func guardedNamespaceRefusesBadAuthAndAcceptsTheSecret() async throws {
        let server = try await LoopbackServer.start()
        let refused = try SocketIOClient.socket(url: server.url + "/guarded", options: Self.options([.websocket], auth: ["token": "wrong"]))
        let refusedLog = EventLog(refused)
        refused.connect()
        let error = try await refusedLog.wait(for: "connect_error")
        #expect(error == [["message": "not authorized", "data": ["reason": "bad token"]]])

        let accepted = try SocketIOClient.socket(url: server.url + "/guarded", options: Self.options([.polling, .websocket], auth: ["token": "secret"]))
        let acceptedLog = EventLog(accepted)
        accepted.connect()
        try await acceptedLog.wait(for: "connect")
        #expect(try await acceptedLog.wait(for: "auth") == [["token": "secret"]])
        accepted.disconnect()
        await server.stop()
    }

    @Test(arguments: [[EngineTransportKind.websocket], [.polling]])
    func reconnectsAfterServerRestartAndFlushesTheOfflineBuffer(transports: [EngineTransportKind]) async throws {
        let first = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: first.url, options: Self.options(transports))
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        await first.stop()
        try await log.wait(for: "disconnect")
        // Emitted while offline: buffered, sent in order once reconnected.
        socket.emit("message", "offline-1")
        socket.emit("message", "offline-2")
        socket.volatile.emit("message", "volatile-dropped")
        try await Task.sleep(for: .milliseconds(150))
        let second = try await LoopbackServer.start(port: first.port)
        try await log.wait(for: "reconnect")
        try await log.wait(for: "connect", count: 2)
        #expect(try await log.wait(for: "message-back", count: 2) == ["offline-2"])
        #expect(log.all("message-back") == [["offline-1"], ["offline-2"]])
        #expect(!log.all("reconnect_attempt").isEmpty)
        socket.disconnect()
        await second.stop()
    }

    @Test func ackTimeoutFailsWhenTheServerNeverAnswers() async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url, options: Self.options([.websocket]))
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        await #expect(throws: SocketIOClientError.self) {
            // `message` is not acknowledged by the server.
            _ = try await socket.timeout(.milliseconds(200)).emitWithAck("message", "no ack")
        }
        socket.disconnect()
        await server.stop()
    }

    @Test func connectErrorWhenNothingListens() async throws {
        let server = try await LoopbackServer.start()
        let port = server.port
        await server.stop()
        var options = Self.options([.websocket])
        options.reconnectionAttempts = 1
        let socket = try SocketIOClient.socket(url: "http://127.0.0.1:\(port)", options: options)
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect_error")
        try await log.wait(for: "reconnect_failed")
        #expect(log.all("reconnect_attempt") == [[1]])
        #expect(log.all("reconnect_error").count == 1)
        #expect(log.all("connect_error").count == 2)
        socket.disconnect()
    }

    @Test(arguments: [[EngineTransportKind.polling], [.websocket]])
    func queryAndExtraHeadersReachTheServer(transports: [EngineTransportKind]) async throws {
        let server = try await LoopbackServer.start()
        server.server.io.of("/inspect").onConnection { socket in
            socket.emit(
                "handshake",
                .string(socket.handshake.query["room"] ?? "-"),
                .string(socket.handshake.header("x-client") ?? "-")
            )
        }
        var options = Self.options(transports)
        options.query = [("room", "a b&c")]
        options.extraHeaders = [("X-Client", "switchboard")]
        let socket = try SocketIOClient.socket(url: server.url + "/inspect", options: options)
        let log = EventLog(socket)
        socket.connect()
        #expect(try await log.wait(for: "handshake") == ["a b&c", "switchboard"])
        socket.disconnect()
        await server.stop()
    }

    @Test func retriedEmitsAreAcknowledgedInOrder() async throws {
        let server = try await LoopbackServer.start()
        var options = Self.options([.websocket])
        options.retries = 2
        options.ackTimeout = .seconds(2)
        let socket = try SocketIOClient.socket(url: server.url, options: options)
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        async let first = socket.emitWithAck("message-with-ack", 1)
        async let second = socket.emitWithAck("message-with-ack", 2)
        #expect(try await first == [1])
        #expect(try await second == [2])
        socket.disconnect()
        await server.stop()
    }

    @Test func silentServerTriggersTheConnectTimeout() async throws {
        // Accepts TCP connections and never answers.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = listener.localAddress!.port!
        var options = Self.options([.websocket])
        options.timeout = .milliseconds(200)
        options.reconnection = false
        let socket = try SocketIOClient.socket(url: "http://127.0.0.1:\(port)", options: options)
        let log = EventLog(socket)
        socket.connect()
        #expect(try await log.wait(for: "connect_error") == [["message": "timeout"]])
        socket.disconnect()
        try await listener.close()
    }

    @Test func connectAndWaitReturnsOnConnectAndThrowsTheServerRefusal() async throws {
        let server = try await LoopbackServer.start()
        let manager = try SocketIOClientManager(url: server.url, options: Self.options([.websocket]))
        try await manager.socket("/").connectAndWait()
        #expect(manager.socket("/").connected)
        do {
            try await manager.socket("/guarded", auth: ["token": "nope"]).connectAndWait()
            Issue.record("the guarded namespace accepted a wrong token")
        } catch {
            #expect(error.code == .connectError)
            #expect(error.message == "not authorized")
            #expect(error.data == ["reason": "bad token"])
        }
        manager.socket("/").disconnect()
        await server.stop()
    }

    @Test func socketReconnectsAfterAnApplicationDisconnect() async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url, options: Self.options([.polling, .websocket]))
        let log = EventLog(socket)
        try await socket.connectAndWait()
        socket.disconnect()
        try await log.wait(for: "disconnect")
        #expect(!socket.connected)
        socket.connect()
        try await log.wait(for: "connect", count: 2)
        #expect(try await socket.emitWithAck("message-with-ack", "again") == ["again"])
        socket.disconnect()
        await server.stop()
    }

    @Test func reservedEventNamesAreRefused() async throws {
        let server = try await LoopbackServer.start()
        let socket = try SocketIOClient.socket(url: server.url, options: Self.options([.websocket]))
        try await socket.connectAndWait()
        do {
            _ = try await socket.emitWithAck("disconnect")
            Issue.record("a reserved event name was emitted")
        } catch {
            #expect(error.code == .reservedEventName)
        }
        #expect(socket.connected)
        socket.disconnect()
        await server.stop()
    }

    @Test func invalidURLIsRejected() {
        #expect(throws: SocketIOClientError.self) { try SocketIOClient.socket(url: "ftp://example.com") }
    }
}
