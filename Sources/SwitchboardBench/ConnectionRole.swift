import NIOCore

/// What one bench connection does once its socket is connected.
enum ConnectionRole: Sendable {
    /// Stays idle; only answers heartbeats (`connect` scenario).
    case idle
    /// Keeps `inflight` `echo` emits with acks in flight (`echo` scenario). With `intervalNanos` above 0
    /// a slot's next emit waits until `intervalNanos` after its previous one (paced, open loop).
    case echo(inflight: Int, intervalNanos: UInt64)
    /// Joins the room and records `bcast` deliveries; if `senderIndex` is set it also emits `bcast`
    /// at `perSenderRate` messages per second once started (`fanout` scenario).
    case fanout(senderIndex: Int?, senderCount: Int, perSenderRate: Double)
}

/// Outgoing message bodies encoded once per run and shared by every connection.
struct EncodedMessages: Sendable {
    /// `["echo","xxx…"]`.
    let echoArguments: ByteBuffer
    /// `["xxx…"]`: what the echo ack must carry.
    let echoAckArguments: ByteBuffer
    /// `["join","bench"]`.
    let joinArguments: ByteBuffer
    /// `["bcast","bench",`: followed by the payload string and `]`.
    let bcastArgumentsPrefix: ByteBuffer
    /// Padding characters inside each fan-out payload.
    let fanoutPadding: ByteBuffer
    /// `["stats"]`.
    let statsArguments: ByteBuffer

    /// The room every fan-out client joins.
    static let room = "bench"

    init(echoPayloadBytes: Int, fanoutPaddingBytes: Int) {
        let allocator = ByteBufferAllocator()
        let payload = String(repeating: "x", count: echoPayloadBytes)
        echoArguments = allocator.buffer(string: #"["echo",""# + payload + #""]"#)
        echoAckArguments = allocator.buffer(string: #"[""# + payload + #""]"#)
        joinArguments = allocator.buffer(string: #"["join",""# + Self.room + #""]"#)
        bcastArgumentsPrefix = allocator.buffer(string: #"["bcast",""# + Self.room + #"","#)
        fanoutPadding = allocator.buffer(string: String(repeating: "y", count: fanoutPaddingBytes))
        statsArguments = allocator.buffer(string: #"["stats"]"#)
    }
}
