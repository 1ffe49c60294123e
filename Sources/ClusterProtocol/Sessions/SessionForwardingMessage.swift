import NIOCore

/// One message between two nodes about an Engine.IO session that one of them (the *owner*) holds and
/// the other (the *edge*) received a request for. Sent on the receiver's node channel
/// (``ClusterKeyspace/nodeChannel(_:)``).
///
/// Requests and relayed WebSockets are numbered by the edge; together with the edge's node id the
/// number is unique in the cluster, and the owner answers on the edge's channel.
public enum SessionForwardingMessage: Sendable, Equatable {
    /// Edge → owner: a polling `GET` (`isPost == false`) or `POST` with its body.
    case pollingRequest(PollingRequest)
    /// Owner → edge: the answer to a polling request.
    case pollingResponse(PollingResponse)
    /// Edge → owner: the client went away before its (long-)poll was answered.
    case pollingAbort(edge: ClusterNodeID, requestID: UInt64)
    /// Edge → owner: the edge accepted a WebSocket upgrade for `sid`.
    case webSocketOpen(edge: ClusterNodeID, streamID: UInt64, sid: String)
    /// Edge → owner: one complete message the client sent on the WebSocket.
    case webSocketInbound(edge: ClusterNodeID, streamID: UInt64, isBinary: Bool, data: ByteBuffer)
    /// Owner → edge: complete server frames to write to the client as they are.
    case webSocketOutbound(streamID: UInt64, frames: [ByteBuffer])
    /// Edge → owner: the client's WebSocket closed.
    case webSocketClosedByClient(edge: ClusterNodeID, streamID: UInt64)
    /// Owner → edge: close the client's WebSocket (session over, or the session was not there).
    case webSocketClosedByOwner(streamID: UInt64)

    /// A polling request relayed from the edge to the owner.
    public struct PollingRequest: Sendable, Equatable {
        /// The node that received the request and waits for the answer.
        public var edge: ClusterNodeID
        /// The edge's number for the request.
        public var requestID: UInt64
        /// The session the request names.
        public var sid: String
        /// `POST` (packets from the client) rather than `GET` (long-poll).
        public var isPost: Bool
        /// The request body (empty for `GET`).
        public var body: ByteBuffer

        /// Creates a request.
        public init(edge: ClusterNodeID, requestID: UInt64, sid: String, isPost: Bool, body: ByteBuffer) {
            self.edge = edge
            self.requestID = requestID
            self.sid = sid
            self.isPost = isPost
            self.body = body
        }
    }

    /// The owner's answer to a polling request.
    public struct PollingResponse: Sendable, Equatable {
        /// The edge's number for the request.
        public var requestID: UInt64
        /// The HTTP status code.
        public var status: Int
        /// Response headers in order (without CORS, which the edge adds).
        public var headers: [HeaderField]
        /// The response body.
        public var body: ByteBuffer

        /// Creates a response.
        public init(requestID: UInt64, status: Int, headers: [HeaderField], body: ByteBuffer) {
            self.requestID = requestID
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// One HTTP header.
    public struct HeaderField: Sendable, Equatable {
        /// The header name.
        public var name: String
        /// The header value.
        public var value: String

        /// Creates a header.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }
}
