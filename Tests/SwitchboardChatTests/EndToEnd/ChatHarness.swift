import ChatStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import SwitchboardChat
import SwitchboardClient
import SwitchboardJSON
import Testing

/// Records the events a client socket sees, for tests to wait on.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[(name: String, arguments: [JSONValue])]>([])

    init(_ socket: SocketIOClient) {
        for name in ["connect", "disconnect", "connect_error"] {
            socket.on(name) { [events] arguments, _ in events.withLockedValue { $0.append((name, arguments)) } }
        }
        socket.onAny { [events] name, arguments, _ in events.withLockedValue { $0.append((name, arguments)) } }
    }

    /// The first argument of every recorded `name`, in order.
    func all(_ name: String) -> [JSONValue] {
        events.withLockedValue { $0.filter { $0.name == name }.map { $0.arguments.first ?? .null } }
    }

    /// Waits until an event `name` whose first argument satisfies `match` was recorded; returns that argument.
    @discardableResult
    func wait(
        for name: String, timeout: Duration = .seconds(10), where match: @escaping (JSONValue) -> Bool = { _ in true }
    ) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = all(name).first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting for '\(name)'; saw \(events.withLockedValue { $0.map(\.name) })")
        throw TimedOut()
    }

    struct TimedOut: Error {}
}

/// A signed-up user.
struct Account: Sendable {
    var token: String
    var id: String
    var username: String
}

/// A connected chat client.
struct ChatClient: Sendable {
    let socket: SocketIOClient
    let log: EventLog
    let account: Account?

    /// Emits `event` with `payload` and returns the acknowledgement's first argument.
    func call(_ event: String, _ payload: JSONValue = [:]) async throws -> JSONValue {
        try await socket.timeout(.seconds(10)).emitWithAck(event, payload).first ?? .null
    }

    /// Like ``call(_:_:)``, expecting `{"ok": true}`; returns the reply.
    @discardableResult
    func ok(_ event: String, _ payload: JSONValue = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> JSONValue
    {
        let reply = try await call(event, payload)
        #expect(reply["ok"] == true, "\(event) → \(reply.jsonString)", sourceLocation: sourceLocation)
        return reply
    }

    /// Like ``call(_:_:)``, expecting `{"ok": false}`; returns the error code.
    func failure(_ event: String, _ payload: JSONValue = [:]) async throws -> String? {
        let reply = try await call(event, payload)
        #expect(reply["ok"] == false, "\(event) → \(reply.jsonString)")
        return reply["error"]?["code"]?.stringValue
    }

    func disconnect() { socket.disconnect() }
}

/// A chat server on loopback over in-memory storage, with a movable clock and a hot store the test can
/// take down.
final class ChatHarness: Sendable {
    let server: ChatServer
    let port: Int
    let hotStore: FlakyHotStore
    /// The server's message store (its `backup` is set when the harness was given an archive).
    let messages: MessageStore
    let directory: InMemoryChatDirectory
    let clockOffset: NIOLockedValueBox<Int64>
    let dataDirectory: String

    static let password = "password-123"

    init(
        limits: ChatLimits = ChatLimits(), adminToken: String? = "admin-token-for-tests", archive: (any MessageArchive)? = nil,
        configure: (inout ChatServerConfiguration) -> Void = { _ in }
    ) async throws {
        var logger = Logger(label: "test.chat")
        logger.logLevel = .critical
        let offset = NIOLockedValueBox<Int64>(0)
        let clock: @Sendable () -> Int64 = { WallClock.nowMilliseconds() + offset.withLockedValue { $0 } }
        let hotStore = FlakyHotStore()
        let directory = InMemoryChatDirectory()
        let dataDirectory = NSTemporaryDirectory() + "chat-e2e-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var configuration = ChatServerConfiguration(
            host: "127.0.0.1", port: 0, dataDirectory: dataDirectory, limits: limits,
            jwtSecret: "end-to-end-test-secret-of-32-bytes-or-more", adminToken: adminToken, passwordIterations: 1_000)
        configure(&configuration)
        let messages = MessageStore(hotStore: hotStore, archive: archive, logger: logger)
        let server = try await ChatServer(
            configuration: configuration, messages: messages, directory: directory, logger: logger, clock: clock)
        self.port = try await server.start()
        self.server = server
        self.hotStore = hotStore
        self.messages = messages
        self.directory = directory
        self.clockOffset = offset
        self.dataDirectory = dataDirectory
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// Moves the server's clock forward.
    func advanceClock(milliseconds: Int64) {
        clockOffset.withLockedValue { $0 += milliseconds }
    }

    func post(_ path: String, _ body: JSONValue, headers: [(String, String)] = []) async throws -> RawHTTP.Response {
        try await RawHTTP.request(port: port, method: "POST", path: path, body: body.jsonString, headers: headers)
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> RawHTTP.Response {
        try await RawHTTP.request(port: port, method: "GET", path: path, headers: headers)
    }

    /// Registers `username` over HTTP.
    func register(_ username: String, displayName: String? = nil) async throws -> Account {
        var body: JSONObject = ["username": .string(username), "password": .string(Self.password)]
        if let displayName { body["displayName"] = .string(displayName) }
        let response = try await post("/api/register", .object(body))
        #expect(response.status == 201, "register \(username): \(response.status) \(response.body)")
        guard let token = response.json?["token"]?.stringValue, let id = response.json?["user"]?["id"]?.stringValue else {
            throw RawHTTP.Malformed(raw: response.body)
        }
        return Account(token: token, id: id, username: username)
    }

    /// A client socket on `/` (WebSocket only, no reconnection) with `auth`, not yet connected.
    func socket(namespace: String = "/", auth: JSONObject?) throws -> (SocketIOClient, EventLog) {
        let socket = try SocketIOClient.socket(
            url: "http://127.0.0.1:\(port)\(namespace)",
            options: SocketIOClientOptions(transports: [.websocket], auth: auth, forceNew: true, reconnection: false))
        return (socket, EventLog(socket))
    }

    /// Connects `account` and waits for the `session` event.
    func connect(_ account: Account) async throws -> ChatClient {
        let (socket, log) = try socket(auth: ["token": .string(account.token)])
        try await socket.connectAndWait()
        try await log.wait(for: "session")
        return ChatClient(socket: socket, log: log, account: account)
    }

    /// Registers and connects a user who joined `general`.
    func user(_ username: String, joinGeneral: Bool = true) async throws -> ChatClient {
        let client = try await connect(try await register(username))
        if joinGeneral { try await client.ok("rooms:join", ["roomId": "r_general"]) }
        return client
    }
}
