import NIOCore

/// The bytes of a ``SessionForwardingMessage``: a version byte (1), a kind byte, then the fields in
/// the cluster wire format (big-endian integers, strings and blobs with a `UInt32` length).
///
/// A pub/sub message carries exactly one forwarding message, so decoding takes the whole payload and
/// rejects truncated input and trailing bytes.
public enum SessionForwardingCodec {
    /// The format version written and accepted.
    public static let version: UInt8 = 1

    enum Kind: UInt8 {
        case pollingRequest = 1, pollingResponse, pollingAbort, webSocketOpen, webSocketInbound, webSocketOutbound,
            webSocketClosedByClient, webSocketClosedByOwner
    }

    /// Encodes `message` into a new buffer.
    public static func encode(_ message: SessionForwardingMessage, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        buffer.writeInteger(version)
        switch message {
        case .pollingRequest(let request):
            buffer.writeInteger(Kind.pollingRequest.rawValue)
            buffer.writeClusterString(request.edge.rawValue)
            buffer.writeInteger(request.requestID)
            buffer.writeClusterString(request.sid)
            buffer.writeClusterBool(request.isPost)
            buffer.writeClusterBlob(request.body)
        case .pollingResponse(let response):
            buffer.writeInteger(Kind.pollingResponse.rawValue)
            buffer.writeInteger(response.requestID)
            buffer.writeInteger(UInt16(clamping: response.status))
            buffer.writeInteger(UInt32(response.headers.count))
            for header in response.headers {
                buffer.writeClusterString(header.name)
                buffer.writeClusterString(header.value)
            }
            buffer.writeClusterBlob(response.body)
        case .pollingAbort(let edge, let requestID):
            buffer.writeInteger(Kind.pollingAbort.rawValue)
            buffer.writeClusterString(edge.rawValue)
            buffer.writeInteger(requestID)
        case .webSocketOpen(let edge, let streamID, let sid):
            buffer.writeInteger(Kind.webSocketOpen.rawValue)
            buffer.writeClusterString(edge.rawValue)
            buffer.writeInteger(streamID)
            buffer.writeClusterString(sid)
        case .webSocketInbound(let edge, let streamID, let isBinary, let data):
            buffer.writeInteger(Kind.webSocketInbound.rawValue)
            buffer.writeClusterString(edge.rawValue)
            buffer.writeInteger(streamID)
            buffer.writeClusterBool(isBinary)
            buffer.writeClusterBlob(data)
        case .webSocketOutbound(let streamID, let frames):
            buffer.writeInteger(Kind.webSocketOutbound.rawValue)
            buffer.writeInteger(streamID)
            buffer.writeInteger(UInt32(frames.count))
            for frame in frames { buffer.writeClusterBlob(frame) }
        case .webSocketClosedByClient(let edge, let streamID):
            buffer.writeInteger(Kind.webSocketClosedByClient.rawValue)
            buffer.writeClusterString(edge.rawValue)
            buffer.writeInteger(streamID)
        case .webSocketClosedByOwner(let streamID):
            buffer.writeInteger(Kind.webSocketClosedByOwner.rawValue)
            buffer.writeInteger(streamID)
        }
        return buffer
    }

    /// Decodes one complete message.
    ///
    /// - Throws: ``ClusterDecodingError``: `.unsupportedVersion`, `.unknownKind`, `.truncated`,
    ///   `.invalidUTF8`, `.invalidValue` (a flag that is not 0 or 1, a status outside 100…599) or
    ///   `.trailingBytes`.
    public static func decode(_ bytes: ByteBuffer) throws(ClusterDecodingError) -> SessionForwardingMessage {
        var reader = ClusterWireReader(bytes)
        let version = try reader.integer(as: UInt8.self, "version")
        guard version == Self.version else {
            throw ClusterDecodingError(code: .unsupportedVersion, message: "forwarding format version \(version)")
        }
        guard let kind = Kind(rawValue: try reader.integer(as: UInt8.self, "kind")) else {
            throw ClusterDecodingError(code: .unknownKind, message: "unknown forwarding message kind")
        }
        let message: SessionForwardingMessage
        switch kind {
        case .pollingRequest:
            let edge = ClusterNodeID(try reader.string("edge"))
            let requestID = try reader.integer(as: UInt64.self, "requestID")
            let sid = try reader.string("sid")
            let isPost = try reader.bool("isPost")
            let body = try reader.blob("body")
            message = .pollingRequest(.init(edge: edge, requestID: requestID, sid: sid, isPost: isPost, body: body))
        case .pollingResponse:
            let requestID = try reader.integer(as: UInt64.self, "requestID")
            let status = Int(try reader.integer(as: UInt16.self, "status"))
            guard (100...599).contains(status) else {
                throw ClusterDecodingError(code: .invalidValue, message: "HTTP status \(status)")
            }
            let count = try reader.count("headers", minimumElementSize: 8)
            var headers: [SessionForwardingMessage.HeaderField] = []
            headers.reserveCapacity(count)
            for _ in 0..<count {
                let name = try reader.string("header name")
                headers.append(.init(name: name, value: try reader.string("header value")))
            }
            let body = try reader.blob("body")
            message = .pollingResponse(.init(requestID: requestID, status: status, headers: headers, body: body))
        case .pollingAbort:
            let edge = ClusterNodeID(try reader.string("edge"))
            message = .pollingAbort(edge: edge, requestID: try reader.integer(as: UInt64.self, "requestID"))
        case .webSocketOpen:
            let edge = ClusterNodeID(try reader.string("edge"))
            let streamID = try reader.integer(as: UInt64.self, "streamID")
            message = .webSocketOpen(edge: edge, streamID: streamID, sid: try reader.string("sid"))
        case .webSocketInbound:
            let edge = ClusterNodeID(try reader.string("edge"))
            let streamID = try reader.integer(as: UInt64.self, "streamID")
            let isBinary = try reader.bool("isBinary")
            message = .webSocketInbound(edge: edge, streamID: streamID, isBinary: isBinary, data: try reader.blob("data"))
        case .webSocketOutbound:
            let streamID = try reader.integer(as: UInt64.self, "streamID")
            let count = try reader.count("frames", minimumElementSize: 4)
            var frames: [ByteBuffer] = []
            frames.reserveCapacity(count)
            for _ in 0..<count { frames.append(try reader.blob("frame")) }
            message = .webSocketOutbound(streamID: streamID, frames: frames)
        case .webSocketClosedByClient:
            let edge = ClusterNodeID(try reader.string("edge"))
            message = .webSocketClosedByClient(edge: edge, streamID: try reader.integer(as: UInt64.self, "streamID"))
        case .webSocketClosedByOwner:
            message = .webSocketClosedByOwner(streamID: try reader.integer(as: UInt64.self, "streamID"))
        }
        try reader.finish()
        return message
    }
}
