import NIOCore

/// One Engine.IO message as it reaches the layer above: the payload of a `4` (message) packet.
///
/// Text payloads are valid UTF-8 bytes without the leading packet type; binary payloads are the raw bytes
/// (a WebSocket binary frame, or the decoded `b<base64>` of a polling payload).
public enum EngineMessage: Sendable, Hashable {
    /// A text message: UTF-8 bytes, without the `4` prefix.
    case text(ByteBuffer)
    /// A binary message: the raw bytes.
    case binary(ByteBuffer)
}

/// Why an Engine.IO session ended, as the Engine.IO and Socket.IO specs name the reasons.
public enum EngineCloseReason: String, Sendable, Hashable {
    /// The client closed the transport (WebSocket closed, polling `1` packet, or a request aborted).
    case transportClose = "transport close"
    /// The transport failed (I/O error, protocol violation on the WebSocket).
    case transportError = "transport error"
    /// No pong arrived within `pingInterval + pingTimeout`.
    case pingTimeout = "ping timeout"
    /// The client sent a packet that could not be decoded.
    case parseError = "parse error"
    /// The server closed the session (for example the upper layer called ``EngineConnection/close()``).
    case forcedClose = "forced close"
    /// The server is shutting down.
    case serverShuttingDown = "server shutting down"
    /// The client read too slowly: more than ``ServerLimits/outboundHardLimit`` bytes waited for it.
    case slowConsumer = "slow consumer"
}

/// The transport an Engine.IO session currently uses.
public enum EngineTransportKind: String, Sendable, Hashable {
    /// HTTP long-polling.
    case polling
    /// WebSocket.
    case websocket
}

/// What the server knew about the request that opened a session.
///
/// A server keeps this for the whole session, so it holds it compactly: the URL and the header fields packed
/// in one allocation, and the query decoded from ``url`` when read (a handshake built with an explicit query, or
/// whose query or URL was set, keeps its own query). Reading ``url``, ``headers`` or ``query`` builds them each time.
public struct EngineHandshake: Sendable {
    /// The request target as received (path and query), e.g. `/socket.io/?EIO=4&transport=polling`.
    public var url: String {
        get { packed.target }
        set {
            // The query stays what it was: keep it before the URL it was decoded from changes.
            if storedQuery == nil { storedQuery = query }
            packed = EngineHeaderFields(target: newValue, packed.fields)
        }
    }
    /// Decoded query parameters of the handshake request (first value wins for repeated names).
    public var query: [String: String] {
        get { storedQuery ?? EngineRequestValidation.parseQuery(ofTarget: url).query }
        set { storedQuery = newValue }
    }
    /// Request headers in arrival order; names as sent.
    public var headers: [(name: String, value: String)] {
        get { packed.fields }
        set { packed = EngineHeaderFields(target: packed.target, newValue) }
    }
    /// The peer's address, e.g. `127.0.0.1`, when known.
    public var remoteAddress: String?
    /// Whether the request arrived over TLS.
    public var isSecure: Bool
    /// When the handshake happened, in milliseconds since the Unix epoch.
    public var issuedAtMilliseconds: Int64
    /// The query when it is not the one ``url`` carries; `nil`: decode ``url``'s.
    private var storedQuery: [String: String]?
    /// The URL and the header fields.
    private var packed: EngineHeaderFields

    /// Creates a handshake description.
    public init(
        url: String,
        query: [String: String],
        headers: [(name: String, value: String)],
        remoteAddress: String?,
        isSecure: Bool,
        issuedAtMilliseconds: Int64
    ) {
        self.storedQuery = query
        self.packed = EngineHeaderFields(target: url, headers)
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
        self.issuedAtMilliseconds = issuedAtMilliseconds
    }

    /// Creates the handshake of a request the server received: its ``query`` is the one in `url`
    /// (decoded when read, as ``EngineRequestValidation/parseQuery(ofTarget:)`` does).
    package init<Fields: Sequence>(
        url: String,
        headerFields: Fields,
        remoteAddress: String?,
        isSecure: Bool,
        issuedAtMilliseconds: Int64
    ) where Fields.Element == (name: String, value: String) {
        self.storedQuery = nil
        self.packed = EngineHeaderFields(target: url, headerFields)
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
        self.issuedAtMilliseconds = issuedAtMilliseconds
    }

    /// The first value of the header named `name` (ASCII case-insensitive, as HTTP names are), if any.
    public func header(_ name: String) -> String? {
        packed.first(named: name)
    }
}

/// An outbound Engine.IO message encoded once, so a broadcast can hand the same bytes to every recipient.
///
/// It carries the message payload (what polling needs to build a payload) and the complete, unmasked
/// WebSocket frame (FIN set, text or binary opcode) that a WebSocket transport writes as-is.
/// Building one costs one encoding; sending it to N connections costs N reference-count increments.
public struct OutboundEngineMessage: Sendable {
    /// Whether the message is text or binary.
    public let isBinary: Bool
    /// The payload bytes without the Engine.IO `4` prefix (UTF-8 text, or raw binary).
    public let payload: ByteBuffer
    /// The complete server-to-client WebSocket frame carrying the Engine.IO packet
    /// (`4` + payload as a text frame, or the raw payload as a binary frame).
    public let webSocketFrame: ByteBuffer
    /// Whether the transport may compress the message (permessage-deflate); `false` sends it as it is
    /// even on a connection that negotiated compression (socket.io's `compress(false)`).
    public let compress: Bool

    /// Prepares a text message; `payload` must be valid UTF-8 (e.g. an encoded Socket.IO packet).
    public init(text payload: ByteBuffer, compress: Bool = true, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.isBinary = false
        self.payload = payload
        self.compress = compress
        self.webSocketFrame = WebSocketFraming.serverFrame(
            opcode: WebSocketFraming.textOpcode, prefix: UInt8(ascii: "4"), payload: payload, allocator: allocator
        )
    }

    /// Prepares a binary message.
    public init(binary payload: ByteBuffer, compress: Bool = true, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.isBinary = true
        self.payload = payload
        self.compress = compress
        self.webSocketFrame = WebSocketFraming.serverFrame(
            opcode: WebSocketFraming.binaryOpcode, prefix: nil, payload: payload, allocator: allocator
        )
    }
}

/// Minimal, pure encoding of unmasked server-to-client WebSocket frames (RFC 6455 §5.2).
public enum WebSocketFraming {
    /// Opcode of a text frame.
    public static let textOpcode: UInt8 = 0x1
    /// Opcode of a binary frame.
    public static let binaryOpcode: UInt8 = 0x2

    /// One final (FIN) frame with the given opcode whose payload is `prefix` (if any) followed by `payload`.
    public static func serverFrame(
        opcode: UInt8, prefix: UInt8?, payload: ByteBuffer, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let length = payload.readableBytes + (prefix == nil ? 0 : 1)
        var frame = allocator.buffer(capacity: length + 10)
        frame.writeInteger(0x80 | opcode)
        if length < 126 {
            frame.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        } else {
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
        if let prefix { frame.writeInteger(prefix) }
        var copy = payload
        frame.writeBuffer(&copy)
        return frame
    }
}

/// One Engine.IO session as the layer above (Socket.IO) sees it.
///
/// Implementations are bound to ``eventLoop``: delegate callbacks arrive on it. ``send(_:)`` and
/// ``close()`` may be called from any thread; calls made on ``eventLoop`` take effect without a hop, and
/// messages from one caller leave in the order they were sent, whatever transport (or upgrade) is in use.
public protocol EngineConnection: AnyObject, Sendable {
    /// The session id (`sid`).
    var id: String { get }
    /// The event loop that owns this session's state.
    var eventLoop: any EventLoop { get }
    /// The request that opened the session.
    var handshake: EngineHandshake { get }
    /// The transport in use now.
    var transport: EngineTransportKind { get }
    /// Receives inbound messages and the close notification. Set it once, on ``eventLoop``, when the
    /// connection is accepted; the connection holds it strongly until it closes.
    var delegate: (any EngineConnectionDelegate)? { get set }
    /// Whether the transport can take more now: `false` while the connection's outbound buffer is above
    /// its bound (a slow reader) or while no transport can carry packets. Volatile packets are dropped
    /// when this is `false`. Read it on ``eventLoop``.
    var isWritable: Bool { get }
    /// Queues messages for delivery, in order. Messages sent after the session closed are dropped.
    func send(_ messages: [OutboundEngineMessage])
    /// Closes the session: flushes what is queued, then closes the transport with ``EngineCloseReason/forcedClose``.
    func close()
}

extension EngineConnection {
    /// Always writable, for connections with no outbound bound.
    public var isWritable: Bool { true }

    /// Queues one message.
    public func send(_ message: OutboundEngineMessage) { send([message]) }
}

/// Receives what happens on one ``EngineConnection``. Every callback is invoked on the connection's event loop.
public protocol EngineConnectionDelegate: AnyObject, Sendable {
    /// A message arrived.
    func engineConnection(_ connection: any EngineConnection, didReceive message: EngineMessage)
    /// The session ended; no more callbacks follow.
    func engineConnection(_ connection: any EngineConnection, didCloseWith reason: EngineCloseReason)
}

/// Accepts new Engine.IO sessions (the Socket.IO server implements this).
public protocol EngineServerDelegate: AnyObject, Sendable {
    /// A session completed its handshake. Called on `connection.eventLoop`, before any message of the
    /// session is delivered; set `connection.delegate` here.
    func engineServer(didAccept connection: any EngineConnection)
}
