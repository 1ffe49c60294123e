import NIOCore
import SwitchboardJSON

/// The server's Engine.IO handshake (the `open` packet's JSON body), as the client uses it.
struct EngineOpenInfo: Sendable, Hashable {
    /// The session id, sent as `sid` on every later request.
    var sid: String
    /// Transports the server offers to upgrade to (`["websocket"]` when polling).
    var upgrades: [String]
    /// How often the server pings, in milliseconds.
    var pingIntervalMilliseconds: Int64
    /// How long the server waits for a pong, in milliseconds.
    var pingTimeoutMilliseconds: Int64
    /// The largest payload the server accepts, in bytes.
    var maxPayload: Int

    /// Parses the body of an `open` packet; `nil` when it is not a valid handshake.
    init?(openPacketBody body: ByteBuffer) {
        guard let json = try? JSONParser(maximumBytes: 64 * 1024, maximumDepth: 8).parse(body),
              let sid = json["sid"]?.stringValue, !sid.isEmpty,
              let interval = json["pingInterval"]?.intValue, interval > 0,
              let timeout = json["pingTimeout"]?.intValue, timeout > 0
        else { return nil }
        self.sid = sid
        self.upgrades = json["upgrades"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.pingIntervalMilliseconds = interval
        self.pingTimeoutMilliseconds = timeout
        self.maxPayload = json["maxPayload"]?.intValue.map { Int(clamping: $0) } ?? 1_000_000
    }

    /// Creates the info directly (tests).
    init(sid: String, upgrades: [String], pingIntervalMilliseconds: Int64, pingTimeoutMilliseconds: Int64, maxPayload: Int) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingIntervalMilliseconds = pingIntervalMilliseconds
        self.pingTimeoutMilliseconds = pingTimeoutMilliseconds
        self.maxPayload = maxPayload
    }

    /// The longest silence allowed between two server pings before the connection counts as dead.
    var heartbeatDeadline: TimeAmount {
        .milliseconds(pingIntervalMilliseconds + pingTimeoutMilliseconds)
    }
}
