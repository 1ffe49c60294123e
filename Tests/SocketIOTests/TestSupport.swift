import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

/// A message as it would appear on the wire, for exact assertions.
enum WireMessage: Hashable, CustomStringConvertible {
    case text(String)
    case binary([UInt8])

    init(_ message: OutboundEngineMessage) {
        self = message.isBinary ? .binary(Array(message.payload.readableBytesView)) : .text(String(buffer: message.payload))
    }

    var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    var description: String {
        switch self {
        case .text(let text): return text
        case .binary(let bytes): return "<\(bytes)>"
        }
    }
}


/// An in-memory Engine.IO connection: records what the server sends, lets the test play the client.
final class FakeEngineConnection: EngineConnection, Sendable {
    struct State {
        var delegate: (any EngineConnectionDelegate)?
        var sent: [OutboundEngineMessage] = []
        var closed = false
        var closeReason: EngineCloseReason?
        var isWritable = true
    }

    let id: String
    let eventLoop: any EventLoop
    let handshake: EngineHandshake
    let transport: EngineTransportKind = .websocket
    private let state = NIOLockedValueBox(State())

    init(id: String = "engine-sid", eventLoop: any EventLoop, handshake: EngineHandshake? = nil) {
        self.id = id
        self.eventLoop = eventLoop
        self.handshake = handshake ?? EngineHandshake(
            url: "/socket.io/?EIO=4&transport=websocket", query: ["EIO": "4", "transport": "websocket"],
            headers: [(name: "Host", value: "localhost")], remoteAddress: "127.0.0.1", isSecure: false,
            issuedAtMilliseconds: 1_700_000_000_000
        )
    }

    var delegate: (any EngineConnectionDelegate)? {
        get { state.withLockedValue { $0.delegate } }
        set { state.withLockedValue { $0.delegate = newValue } }
    }

    func send(_ messages: [OutboundEngineMessage]) {
        state.withLockedValue { state in
            guard !state.closed else { return }
            state.sent.append(contentsOf: messages)
        }
    }

    func close() {
        finish(.forcedClose)
    }

    /// Ends the session as the engine would, telling the delegate.
    func finish(_ reason: EngineCloseReason) {
        let delegate: (any EngineConnectionDelegate)? = state.withLockedValue { state in
            guard !state.closed else { return nil }
            state.closed = true
            state.closeReason = reason
            defer { state.delegate = nil }
            return state.delegate
        }
        delegate?.engineConnection(self, didCloseWith: reason)
    }

    /// What ``EngineConnection/isWritable`` reports (tests flip it to exercise volatile packets).
    var isWritable: Bool {
        get { state.withLockedValue { $0.isWritable } }
        set { state.withLockedValue { $0.isWritable = newValue } }
    }

    var isClosed: Bool { state.withLockedValue { $0.closed } }
    var closeReason: EngineCloseReason? { state.withLockedValue { $0.closeReason } }

    /// The client sends a text message (the payload after the Engine.IO `4`).
    func receive(_ text: String) {
        delegate?.engineConnection(self, didReceive: .text(ByteBuffer(string: text)))
    }

    /// The client sends a binary message.
    func receive(binary bytes: [UInt8]) {
        delegate?.engineConnection(self, didReceive: .binary(ByteBuffer(bytes: bytes)))
    }

    /// Returns and forgets what the server sent so far.
    func takeSent() -> [WireMessage] {
        state.withLockedValue { state in
            defer { state.sent.removeAll() }
            return state.sent.map(WireMessage.init)
        }
    }

    /// The raw messages sent so far (for identity checks of shared buffers).
    var rawSent: [OutboundEngineMessage] { state.withLockedValue { $0.sent } }
}

/// A server plus helpers to open fake client connections on an embedded loop.
struct Harness {
    let loop: EmbeddedEventLoop
    let server: SocketIOServer

    init(connectTimeout: TimeAmount = .seconds(45), loop: EmbeddedEventLoop = EmbeddedEventLoop()) {
        self.loop = loop
        self.server = SocketIOServer(configuration: .init(connectTimeout: connectTimeout))
    }

    init(configuration: SocketIOServer.Configuration, loop: EmbeddedEventLoop = EmbeddedEventLoop()) {
        self.loop = loop
        self.server = SocketIOServer(configuration: configuration)
    }

    /// Opens an Engine.IO connection (not yet connected to any namespace).
    func open(id: String = "engine-sid", on loop: EmbeddedEventLoop? = nil) -> FakeEngineConnection {
        let connection = FakeEngineConnection(id: id, eventLoop: loop ?? self.loop)
        server.engineServer(didAccept: connection)
        return connection
    }

    /// Opens a connection and connects it to `/`; returns it with the socket id, clearing sent messages.
    func connectMain(id: String = "engine-sid", on loop: EmbeddedEventLoop? = nil) -> (FakeEngineConnection, String) {
        let connection = open(id: id, on: loop)
        connection.receive("0")
        let sent = connection.takeSent()
        let sid = sent.first?.text.flatMap { try? JSONParser().parse(String($0.dropFirst())) }?["sid"]?.stringValue ?? ""
        return (connection, sid)
    }

    /// Opens a connection, connects it to `/` and returns it with the connected socket.
    func connectSocket(id: String = "engine-sid") throws -> (FakeEngineConnection, SocketIOSocket) {
        let (connection, sid) = connectMain(id: id)
        return (connection, try #require(server.mainNamespace.socket(id: sid)))
    }
}

/// Collects values from `@Sendable` callbacks.
final class Recorder<Value: Sendable>: Sendable {
    private let box = NIOLockedValueBox([Value]())
    func record(_ value: Value) { box.withLockedValue { $0.append(value) } }
    var values: [Value] { box.withLockedValue { $0 } }
    var last: Value? { values.last }
}

/// Arguments as compact JSON, for readable assertions.
func json(_ arguments: [JSONValue]) -> String {
    (try? JSONSerializer.string(.array(arguments))) ?? "<unserializable>"
}
