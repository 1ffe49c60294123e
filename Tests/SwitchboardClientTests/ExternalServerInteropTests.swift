import EngineIO
import Foundation
import NIOCore
import SwitchboardClient
import SwitchboardJSON
import Testing

/// The client against an external server that follows the conformance contract (the python-socketio
/// reference server, or `switchboard conformance`), at `$SWITCHBOARD_INTEROP_URL`.
///
/// Run by `tests/interop/test_swift_client.py`, which starts the server and sets the variable; a plain
/// `swift test` lists these tests as disabled.
@Suite(
    "Client against an external conformance server",
    .serialized, .timeLimit(.minutes(1)),
    .enabled(if: ProcessInfo.processInfo.environment["SWITCHBOARD_INTEROP_URL"] != nil, "set SWITCHBOARD_INTEROP_URL")
)
struct ExternalServerInteropTests {
    static var url: String { ProcessInfo.processInfo.environment["SWITCHBOARD_INTEROP_URL"] ?? "" }

    static func options(_ transports: [EngineTransportKind], auth: JSONObject? = nil) -> SocketIOClientOptions {
        SocketIOClientOptions(transports: transports, auth: auth, forceNew: true, reconnection: false)
    }

    @Test(arguments: [[EngineTransportKind.polling], [.websocket], [.polling, .websocket]])
    func connectAckAndBinaryRoundTrip(transports: [EngineTransportKind]) async throws {
        let socket = try SocketIOClient.socket(url: Self.url, options: Self.options(transports, auth: ["k": "v"]))
        let log = EventLog(socket)
        socket.connect()
        try await log.wait(for: "connect")
        #expect(try await log.wait(for: "auth") == [["k": "v"]])
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", 1, "two", ["x": [true, .null]]) == [1, "two", ["x": [true, .null]]])
        socket.emit("message", .binary(ByteBuffer(bytes: [0, 255, 7])), "text")
        #expect(try await log.wait(for: "message-back") == [.binary(ByteBuffer(bytes: [0, 255, 7])), "text"])
        if transports.count == 2 {
            let deadline = ContinuousClock.now + .seconds(5)
            while socket.manager.currentTransport != .websocket && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(socket.manager.currentTransport == .websocket)
            #expect(try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", "upgraded") == ["upgraded"])
        }
        socket.disconnect()
    }

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
}
