/// Compression of Engine.IO traffic, with socket.io's defaults: permessage-deflate off, HTTP compression on.
///
/// ```swift
/// var configuration = EngineConfiguration()
/// configuration.compression.perMessageDeflateThreshold = 1024   // turn permessage-deflate on
/// configuration.compression.httpCompressionThreshold = nil      // no gzip for polling
/// ```
public struct EngineCompression: Sendable, Hashable {
    /// permessage-deflate (RFC 7692) on the WebSocket transport: `nil` (default) for off; otherwise the
    /// smallest message, in bytes, that is compressed (smaller ones go uncompressed, RSV1 clear); ≥ 0.
    /// A compressing connection deflates each message itself and cannot share a broadcast's pre-built frame.
    public var perMessageDeflateThreshold: Int?
    /// gzip or deflate for polling responses (when `Accept-Encoding` allows): `nil` for off; otherwise the
    /// smallest response body, in bytes, that is compressed; default 1 024.
    public var httpCompressionThreshold: Int?

    /// Creates the settings; the defaults are socket.io's.
    public init(perMessageDeflateThreshold: Int? = nil, httpCompressionThreshold: Int? = 1_024) {
        precondition((perMessageDeflateThreshold ?? 0) >= 0 && (httpCompressionThreshold ?? 0) >= 0)
        self.perMessageDeflateThreshold = perMessageDeflateThreshold
        self.httpCompressionThreshold = httpCompressionThreshold
    }
}
