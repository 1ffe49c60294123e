import EngineIO
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardClient
import SwitchboardJSON
import Testing

/// The client against an external server that follows the conformance contract plus the client test
/// events (`ClientTestEvents.swift`): `switchboard conformance`, or python-socketio's reference server.
///
/// Run by `tests/interop/test_swift_client.py`, which sets
/// - `SWITCHBOARD_INTEROP_URL`: a running server for the tests that leave it intact;
/// - `SWITCHBOARD_INTEROP_SERVER_CMD`: the command (`{port}` substituted) of a private server for the
///   tests that kill, restart or freeze it;
/// - `SWITCHBOARD_INTEROP_SERVER_KIND`: `switchboard` (has connection state recovery) or `python-socketio`.
///
/// A plain `swift test` lists these tests as disabled.
@Suite(
    "Client against an external conformance server",
    .serialized, .timeLimit(.minutes(1)),
    .enabled(if: ProcessInfo.processInfo.environment["SWITCHBOARD_INTEROP_URL"] != nil, "set SWITCHBOARD_INTEROP_URL")
)
struct ExternalServerInteropTests {
    static let environment = ProcessInfo.processInfo.environment
    static var url: String { environment["SWITCHBOARD_INTEROP_URL"] ?? "" }
    static var serverKind: String { environment["SWITCHBOARD_INTEROP_SERVER_KIND"] ?? "switchboard" }

    static let allTransports: [[EngineTransportKind]] = [[.polling], [.websocket], [.polling, .websocket]]

    static func options(_ transports: [EngineTransportKind], auth: JSONObject? = nil) -> SocketIOClientOptions {
        SocketIOClientOptions(transports: transports, auth: auth, forceNew: true, reconnection: false)
    }

    /// Options for the tests that break the connection: quick reconnection with jitter.
    static func reconnecting(_ transports: [EngineTransportKind]) -> SocketIOClientOptions {
        var options = SocketIOClientOptions(transports: transports, forceNew: true)
        options.reconnectionDelay = .milliseconds(100)
        options.reconnectionDelayMax = .milliseconds(400)
        options.timeout = .seconds(2)
        return options
    }

    /// A private server process for a test that breaks it.
    static func privateServer() async throws -> ServerProcess {
        let template = try #require(environment["SWITCHBOARD_INTEROP_SERVER_CMD"], "set SWITCHBOARD_INTEROP_SERVER_CMD")
        return try await ServerProcess.start(template: template)
    }

    // MARK: Connection, acknowledgements, binary

    @Test(arguments: allTransports)
    func connectAckAndBinaryRoundTrip(transports: [EngineTransportKind]) async throws {
        let socket = try SocketIOClient.socket(url: Self.url, options: Self.options(transports, auth: ["k": "v"]))
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        #expect(try await log.wait(for: "auth") == [["k": "v"]])
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", 1, "two", ["x": [true, .null]]) == [1, "two", ["x": [true, .null]]])
        socket.emit("message", .binary(ByteBuffer(bytes: [0, 255, 7])), "text")
        #expect(try await log.wait(for: "message-back") == [.binary(ByteBuffer(bytes: [0, 255, 7])), "text"])
        let nested: JSONValue = ["a": [.binary(ByteBuffer(bytes: [1, 2])), ["b": .binary(ByteBuffer(bytes: []))]], "n": 3]
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", nested, .binary(ByteBuffer(bytes: [9]))) == [nested, .binary(ByteBuffer(bytes: [9]))])
        if transports.count == 2 {
            #expect(try await waitForUpgrade(socket))
            #expect(try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", "upgraded") == ["upgraded"])
        }
        socket.disconnect()
    }

    @Test(arguments: allTransports)
    func ackCallbackTimeoutAndEmitWithAck(transports: [EngineTransportKind]) async throws {
        let socket = try SocketIOClient.socket(url: Self.url, options: Self.options(transports))
        try await socket.connectAndWait()
        // The server answers after 1 s: a 200 ms deadline fails first.
        do {
            _ = try await socket.timeout(.milliseconds(200)).emitWithAck("ack-after", 1_000, "late")
            Issue.record("an acknowledgement 800 ms past the deadline was accepted")
        } catch {
            #expect(error.code == .ackTimeout)
        }
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("ack-after", 50, "in time", 2) == ["in time", 2])
        let answered = AsyncStream<Result<[JSONValue], SocketIOClientError>>.makeStream()
        socket.emit("message-with-ack", "callback") { answered.continuation.yield($0) }
        var iterator = answered.stream.makeAsyncIterator()
        #expect(try await iterator.next()?.get() == ["callback"])
        socket.disconnect()
    }

    @Test(arguments: allTransports)
    func retriedEmitKeepsItsAckIDUntilTheServerAnswers(transports: [EngineTransportKind]) async throws {
        var options = Self.options(transports)
        options.retries = 3
        options.ackTimeout = .milliseconds(300)
        let socket = try SocketIOClient.socket(url: Self.url, options: options)
        try await socket.connectAndWait()
        let key = JSONValue.string("retry-\(UInt64.random(in: 0...UInt64.max))")
        // The server answers only the second receipt: the client must send the same packet again.
        let answer = try await socket.emitWithAck("ack-on-attempt", key, 2)
        #expect(answer == [2, 1], "two receipts, one ack id")
        socket.disconnect()
    }

    @Test(arguments: allTransports)
    func serverAcknowledgementRequestIsAnswered(transports: [EngineTransportKind]) async throws {
        let socket = try SocketIOClient.socket(url: Self.url, options: Self.options(transports))
        socket.on("ping-client") { arguments, ack in ack?.send(["pong"] + arguments) }
        try await socket.connectAndWait()
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("server-ack", ["n": 1]) == ["pong", ["n": 1]])
        socket.disconnect()
    }

    @Test func onAnySeesEveryServerEventUntilOffAny() async throws {
        let socket = try SocketIOClient.socket(url: Self.url, options: Self.options([.websocket]))
        let seen = EventNames()
        let backs = EventNames()
        socket.onAny { name, _, _ in seen.append(name) }
        socket.on("message-back") { _, _ in backs.append("message-back") }
        try await socket.connectAndWait()
        socket.emit("message", 1)
        try await backs.wait(count: 1)
        #expect(seen.all == ["auth", "message-back"])
        socket.offAny()
        socket.emit("message", 2)
        try await backs.wait(count: 2)
        #expect(seen.all == ["auth", "message-back"])
        socket.disconnect()
    }

    // MARK: Handshake options

    @Test(arguments: allTransports)
    func queryExtraHeadersAndPathReachTheServer(transports: [EngineTransportKind]) async throws {
        var options = Self.options(transports)
        options.query = [("room", "a b&c")]
        options.extraHeaders = [("X-Client", "switchboard")]
        options.path = "/custom-path/"
        let socket = try SocketIOClient.socket(url: Self.url, options: options)
        try await socket.connectAndWait()
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("handshake-info", "room", "x-client") == ["a b&c", "switchboard"])
        socket.disconnect()

        options.path = "/no-such-path/"
        let lost = try SocketIOClient.socket(url: Self.url, options: options)
        do {
            try await lost.connectAndWait()
            Issue.record("connected on a path the server does not serve")
        } catch {
            #expect(error.code == .transportError)
        }
        lost.disconnect()
    }

    // MARK: Namespaces

    @Test func namespacesAndRefusals() async throws {
        let manager = try SocketIOClientManager(url: Self.url, options: Self.options([.websocket]))
        let custom = manager.socket("/custom")
        let customLog = EventLog(custom)
        custom.connect()
        try await customLog.wait(for: "connect")

        let random = manager.socket("/random")
        let randomLog = EventLog(random)
        random.connect()
        #expect(try await randomLog.wait(for: "connect_error").first?["message"] == "Invalid namespace")

        let refused = manager.socket("/guarded", auth: ["token": "wrong"])
        let refusedLog = EventLog(refused)
        refused.connect()
        let error = try await refusedLog.wait(for: "connect_error")
        #expect(error.first?["message"] == "not authorized")
        #expect(error.first?["data"] == ["reason": "bad token"])
        #expect(custom.connected)
        custom.disconnect()

        let guarded = try SocketIOClient.socket(url: Self.url + "/guarded", options: Self.options([.polling, .websocket], auth: ["token": "secret"]))
        let guardedLog = EventLog(guarded)
        guarded.connect()
        try await guardedLog.wait(for: "connect")
        #expect(try await guarded.timeout(.seconds(5)).emitWithAck("message-with-ack", "g") == ["g"])
        guarded.disconnect()
    }

    @Test(arguments: allTransports)
    func namespacesOfOneManagerShareOneEngineConnectionUnlessForceNew(transports: [EngineTransportKind]) async throws {
        let manager = try SocketIOClientManager(url: Self.url, options: Self.options(transports))
        let main = manager.socket("/")
        let custom = manager.socket("/custom")
        try await main.connectAndWait()
        try await custom.connectAndWait()
        let mainEngine = try await main.timeout(.seconds(5)).emitWithAck("engine-id")
        #expect(try await custom.timeout(.seconds(5)).emitWithAck("engine-id") == mainEngine)

        let separate = try SocketIOClient.socket(url: Self.url + "/custom", options: Self.options(transports))
        #expect(separate.manager !== manager)
        try await separate.connectAndWait()
        #expect(try await separate.timeout(.seconds(5)).emitWithAck("engine-id") != mainEngine)
        separate.disconnect()
        custom.disconnect()
        main.disconnect()
    }

    @Test func socketsForOneServerShareTheCachedManager() async throws {
        let options = SocketIOClientOptions(transports: [.websocket], reconnection: false)
        let main = try SocketIOClient.socket(url: Self.url, options: options)
        let custom = try SocketIOClient.socket(url: Self.url + "/custom", options: options)
        #expect(main.manager === custom.manager)
        try await main.connectAndWait()
        try await custom.connectAndWait()
        let mainEngine = try await main.timeout(.seconds(5)).emitWithAck("engine-id")
        #expect(try await custom.timeout(.seconds(5)).emitWithAck("engine-id") == mainEngine)
        custom.disconnect()
        main.disconnect()
    }

    // MARK: Broken connections

    @Test(arguments: [[EngineTransportKind.polling], [.websocket]])
    func heartbeatWatchdogDetectsAServerThatStopsPinging(transports: [EngineTransportKind]) async throws {
        let server = try await Self.privateServer()
        defer { server.stop() }
        let socket = try SocketIOClient.socket(url: server.url, options: Self.reconnecting(transports))
        let log = EventLog(socket)
        try await socket.connectAndWait()
        try await Task.sleep(for: .milliseconds(400))  // at least one ping answered
        let frozen = ContinuousClock.now
        server.pause()
        #expect(try await log.wait(for: "disconnect", timeout: .seconds(5)) == ["ping timeout"])
        let detected = ContinuousClock.now - frozen
        // Both servers: pingInterval 300 ms + pingTimeout 200 ms after the last ping, which came before
        // the freeze; the slack covers a loaded machine.
        #expect(detected <= .milliseconds(500 + 700), "ping timeout after \(detected)")
        server.resume()
        try await log.wait(for: "reconnect", timeout: .seconds(10))
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", "alive") == ["alive"])
        socket.disconnect()
    }

    @Test(arguments: [[EngineTransportKind.polling], [.websocket]])
    func connectTimeoutWhenTheServerDoesNotAnswer(transports: [EngineTransportKind]) async throws {
        let server = try await Self.privateServer()
        defer { server.stop() }
        server.pause()
        var options = Self.options(transports)
        options.timeout = .milliseconds(500)
        let socket = try SocketIOClient.socket(url: server.url, options: options)
        let started = ContinuousClock.now
        do {
            try await socket.connectAndWait()
            Issue.record("connected to a frozen server")
        } catch {
            #expect(error.code == .connectTimeout)
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(450) && waited <= .milliseconds(2_000), "connect_error after \(waited)")
        socket.disconnect()
    }

    @Test(arguments: allTransports)
    func reconnectsAfterTheServerProcessRestartsAndFlushesTheOfflineBuffer(transports: [EngineTransportKind]) async throws {
        let server = try await Self.privateServer()
        defer { server.stop() }
        let socket = try SocketIOClient.socket(url: server.url, options: Self.reconnecting(transports))
        let log = EventLog(socket)
        try await socket.connectAndWait()
        server.kill()
        try await log.wait(for: "disconnect")
        for index in 1...10 { socket.emit("message", .int(Int64(index))) }
        socket.volatile.emit("message", "volatile-dropped")
        // Down long enough for failed attempts with growing delays.
        try await log.wait(for: "reconnect_error", count: 3)
        try await server.restart()
        try await log.wait(for: "reconnect", timeout: .seconds(10))
        try await log.wait(for: "message-back", count: 10)
        try await Task.sleep(for: .milliseconds(200))
        // The first argument (a server with recovery appends the offset).
        #expect(log.all("message-back").map(\.first) == (1...10).map { .int(Int64($0)) })
        let attempts = log.all("reconnect_attempt")
        #expect(attempts == (0..<attempts.count).map { [.int(Int64($0 + 1))] })
        #expect(log.all("reconnect").last == [.int(Int64(attempts.count))])
        // Backoff with jitter: attempt n waits 100 ms · 2^(n-1), at most 400 ms, ±50 %.
        let times = log.times("reconnect_attempt")
        for (index, gap) in zip(times, times.dropFirst()).map({ $1 - $0 }).enumerated() {
            let base = min(100 * (1 << (index + 1)), 400)
            #expect(gap >= .milliseconds(base / 2 - 20), "attempt \(index + 2) after \(gap)")
        }
        socket.disconnect()
    }

    // MARK: Connection state recovery

    @Test(arguments: allTransports)
    func recoveryAfterTheTransportIsCut(transports: [EngineTransportKind]) async throws {
        let server = try await Self.privateServer()
        defer { server.stop() }
        var options = Self.reconnecting(transports)
        // Back after the server emitted (100 ms after the cut), so the packets must come from recovery.
        options.reconnectionDelay = .milliseconds(600)
        options.randomizationFactor = 0
        let socket = try SocketIOClient.socket(url: server.url, options: options)
        let log = EventLog(socket)
        try await socket.connectAndWait()
        let firstID = socket.id
        #expect(!socket.recovered)
        // The server closes the engine connection under the socket, then emits to it while it is away.
        socket.emit("cut-and-emit", 3)
        try await log.wait(for: "disconnect")
        try await log.wait(for: "connect", count: 2, timeout: .seconds(10))
        if Self.serverKind == "switchboard" {
            #expect(socket.recovered)
            #expect(socket.id == firstID)
            try await log.wait(for: "missed", count: 3)
            try await Task.sleep(for: .milliseconds(300))
            // Each once, in order, with the offset the server appends under recovery.
            #expect(log.all("missed").map(\.first) == [1, 2, 3])
            #expect(log.all("missed").allSatisfy { $0.count == 2 && $0.last?.stringValue != nil })
        } else {
            // python-socketio has no connection state recovery: a new session, the packets are lost.
            #expect(!socket.recovered)
            #expect(socket.id != firstID)
            try await Task.sleep(for: .milliseconds(500))
            #expect(log.all("missed").isEmpty)
        }
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", "after") == ["after"])
        socket.disconnect()
    }
}

/// Event names seen by a handler, for tests.
final class EventNames: Sendable {
    private let names = NIOLockedValueBox<[String]>([])

    func append(_ name: String) { names.withLockedValue { $0.append(name) } }

    var all: [String] { names.withLockedValue { $0 } }

    /// Waits until `count` names were recorded.
    func wait(count: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while all.count < count {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(count) events; saw \(all)")
                throw EventLog.TimedOut()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
