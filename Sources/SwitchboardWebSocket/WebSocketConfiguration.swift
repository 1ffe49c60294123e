import NIOCore

/// Settings for one WebSocket connection's message layer (``WebSocketMessageHandler``).
public struct WebSocketConfiguration: Sendable {
    /// The largest message accepted from the peer, in bytes, measured after decompression. A larger
    /// message fails the connection with close code 1009. Default 16 MiB. The frame decoder's
    /// `maxFrameSize` should not be larger.
    public var maxMessageSize: Int
    /// The agreed permessage-deflate parameters (from ``PerMessageDeflate/negotiate(offers:preferred:)``),
    /// or `nil` when the extension is not in use. Default `nil`.
    public var deflate: PerMessageDeflate.Configuration?
    /// With permessage-deflate, outgoing messages shorter than this many bytes are sent
    /// uncompressed (compressing tiny messages costs more than it saves). Default 0: compress all
    /// non-empty messages. Socket.IO servers commonly use 1024.
    public var compressionThreshold: Int
    /// How long to wait for the peer's close frame after this side sent one, before closing the TCP
    /// connection anyway. Default 5 seconds.
    public var closeTimeout: TimeAmount

    /// Creates a configuration.
    public init(
        maxMessageSize: Int = 16 * 1024 * 1024,
        deflate: PerMessageDeflate.Configuration? = nil,
        compressionThreshold: Int = 0,
        closeTimeout: TimeAmount = .seconds(5)
    ) {
        self.maxMessageSize = maxMessageSize
        self.deflate = deflate
        self.compressionThreshold = compressionThreshold
        self.closeTimeout = closeTimeout
    }
}

/// Ask ``WebSocketMessageHandler`` to start the closing handshake: pass it to
/// `Channel.triggerUserOutboundEvent(_:)`. The handler sends a close frame with this code and
/// reason, waits for the peer's close frame (at most ``WebSocketConfiguration/closeTimeout``), then
/// closes the TCP connection.
public struct WebSocketCloseRequest: Sendable, Hashable {
    /// The status code to send (1000 normal closure, 1001 going away, ...).
    public var code: UInt16
    /// A short UTF-8 reason; the close frame payload is limited to 125 bytes, so at most 123 bytes.
    public var reason: String

    /// Creates a close request.
    public init(code: UInt16 = 1000, reason: String = "") {
        self.code = code
        self.reason = reason
    }
}
