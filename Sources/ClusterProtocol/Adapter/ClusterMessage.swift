import EngineIO
import NIOCore
import SocketIO
import SwitchboardJSON

/// One message between the nodes of a cluster, about one namespace.
public struct ClusterEnvelope: Sendable, Hashable {
    /// The node that published the message (receivers ignore their own).
    public var sender: ClusterNodeID
    /// The namespace the message is about.
    public var namespace: String
    /// What the message says.
    public var message: ClusterMessage

    /// Creates an envelope.
    public init(sender: ClusterNodeID, namespace: String, message: ClusterMessage) {
        self.sender = sender
        self.namespace = namespace
        self.message = message
    }
}

/// What one node tells the others. Requests carry an id unique on the sending node; answers go to the
/// sender's own channel with the same id.
public enum ClusterMessage: Sendable, Hashable {
    /// Deliver an already encoded packet to the local sockets selected by the broadcast.
    case broadcast(ClusterBroadcast)
    /// The answer to an acknowledged broadcast: how many local sockets it was delivered to.
    case clientCount(requestID: UInt64, count: Int)
    /// One socket acknowledged an acknowledged broadcast, with these arguments.
    case broadcastAck(requestID: UInt64, arguments: [JSONValue])
    /// Make the selected local sockets join `rooms`.
    case socketsJoin(ClusterSelection, rooms: [String])
    /// Make the selected local sockets leave `rooms`.
    case socketsLeave(ClusterSelection, rooms: [String])
    /// Disconnect the selected local sockets (closing their connections when `close`).
    case disconnectSockets(ClusterSelection, close: Bool)
    /// Describe the selected local sockets (answered with ``fetchSocketsResponse(requestID:sockets:)``).
    case fetchSockets(requestID: UInt64, ClusterSelection)
    /// The answer to ``fetchSockets(requestID:_:)``.
    case fetchSocketsResponse(requestID: UInt64, sockets: [ClusterSocketSnapshot])
    /// A server-side event; with a request id the receiver answers with
    /// ``serverSideEmitResponse(requestID:arguments:)``.
    case serverSideEmit(requestID: UInt64?, event: String, arguments: [JSONValue])
    /// One node's acknowledgement of a server-side event.
    case serverSideEmitResponse(requestID: UInt64, arguments: [JSONValue])

    /// The request this message answers, if it is an answer.
    public var answeredRequestID: UInt64? {
        switch self {
        case .clientCount(let id, _), .broadcastAck(let id, _), .fetchSocketsResponse(let id, _),
            .serverSideEmitResponse(let id, _):
            id
        case .broadcast, .socketsJoin, .socketsLeave, .disconnectSockets, .fetchSockets, .serverSideEmit:
            nil
        }
    }
}

/// The sockets a cluster-wide operation selects: members of any of `rooms` (every socket when empty)
/// that are in none of `except`.
public struct ClusterSelection: Sendable, Hashable {
    /// Target rooms, sorted (empty: the whole namespace).
    public var rooms: [String]
    /// Excluded rooms, sorted.
    public var except: [String]

    /// Creates a selection.
    public init(rooms: [String] = [], except: [String] = []) {
        self.rooms = rooms
        self.except = except
    }

    /// The selection of broadcast options (flags are not part of it).
    public init(_ options: SocketIOBroadcastOptions) {
        self.init(rooms: options.rooms.sorted(), except: options.except.sorted())
    }

    /// Broadcast options for this selection, with `flags`.
    public func options(flags: SocketIOBroadcastOptions.Flags = .init()) -> SocketIOBroadcastOptions {
        SocketIOBroadcastOptions(rooms: Set(rooms), except: Set(except), flags: flags)
    }
}

/// One Engine.IO message of an encoded packet: the text frame or a binary attachment.
public struct ClusterFrame: Sendable, Hashable {
    /// Whether this is a binary attachment.
    public var isBinary: Bool
    /// The payload, without the Engine.IO `4` prefix.
    public var payload: ByteBuffer

    /// Creates a frame.
    public init(isBinary: Bool, payload: ByteBuffer) {
        self.isBinary = isBinary
        self.payload = payload
    }

    /// The frame of an encoded outbound message.
    public init(_ message: OutboundEngineMessage) {
        self.init(isBinary: message.isBinary, payload: message.payload)
    }

    /// The outbound message a receiving node hands to its sockets (its WebSocket frame is built here,
    /// once per node).
    public func outbound(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> OutboundEngineMessage {
        isBinary ? OutboundEngineMessage(binary: payload, allocator: allocator)
            : OutboundEngineMessage(text: payload, allocator: allocator)
    }
}

/// A packet encoded once by the sending node, with the selection and flags of the broadcast.
public struct ClusterBroadcast: Sendable, Hashable {
    /// Unique per sender; a node that gets the same broadcast on several room channels delivers it once.
    public var id: UInt64
    /// Which sockets receive it.
    public var selection: ClusterSelection
    /// Dropped for recipients whose connection is not writable.
    public var volatile: Bool
    /// Whether the transport may compress it.
    public var compress: Bool
    /// For an acknowledged broadcast: the sender's request id and the packet's acknowledgement id.
    public var ack: Ack?
    /// The encoded packet: its text frame, then its binary attachments.
    public var frames: [ClusterFrame]

    /// The acknowledgement part of an acknowledged broadcast.
    public struct Ack: Sendable, Hashable {
        /// The request id the receivers answer with.
        public var requestID: UInt64
        /// The acknowledgement id inside the packet (what clients answer with).
        public var ackID: Int
        /// How long the sender waits for acknowledgements, in milliseconds; receivers forget the
        /// acknowledgement afterwards.
        public var timeoutMilliseconds: Int64

        /// Creates the acknowledgement part.
        public init(requestID: UInt64, ackID: Int, timeoutMilliseconds: Int64 = 5_000) {
            self.requestID = requestID
            self.ackID = ackID
            self.timeoutMilliseconds = timeoutMilliseconds
        }
    }

    /// Creates a broadcast.
    public init(
        id: UInt64, selection: ClusterSelection, volatile: Bool = false, compress: Bool = true, ack: Ack? = nil,
        frames: [ClusterFrame]
    ) {
        self.id = id
        self.selection = selection
        self.volatile = volatile
        self.compress = compress
        self.ack = ack
        self.frames = frames
    }
}

/// What a node tells a `fetchSockets` caller about one of its sockets.
public struct ClusterSocketSnapshot: Sendable, Hashable {
    /// The socket id.
    public var id: String
    /// The socket's rooms, sorted.
    public var rooms: [String]
    /// The socket's ``SocketIO/SocketIOSocket/data``.
    public var data: JSONValue
    /// The `CONNECT` payload.
    public var auth: JSONValue
    /// The request target that opened the session.
    public var url: String
    /// Decoded query parameters, sorted by name.
    public var query: [Pair]
    /// Request headers in arrival order.
    public var headers: [Pair]
    /// The client's address, if known.
    public var remoteAddress: String?
    /// Whether the request arrived over TLS.
    public var isSecure: Bool
    /// When the Engine.IO session opened, in milliseconds since the Unix epoch.
    public var issuedAtMilliseconds: Int64

    /// A name and a value (query parameter or header).
    public struct Pair: Sendable, Hashable {
        /// The name.
        public var name: String
        /// The value.
        public var value: String

        /// Creates a pair.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Creates a snapshot.
    public init(
        id: String, rooms: [String], data: JSONValue, auth: JSONValue, url: String, query: [Pair], headers: [Pair],
        remoteAddress: String?, isSecure: Bool, issuedAtMilliseconds: Int64
    ) {
        self.id = id
        self.rooms = rooms
        self.data = data
        self.auth = auth
        self.url = url
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
        self.issuedAtMilliseconds = issuedAtMilliseconds
    }

    /// The snapshot of a socket's state.
    public init(id: String, rooms: Set<String>, data: JSONValue, handshake: SocketIOHandshake) {
        self.init(
            id: id, rooms: rooms.sorted(), data: data, auth: handshake.auth, url: handshake.url,
            query: handshake.query.sorted { $0.key < $1.key }.map { Pair(name: $0.key, value: $0.value) },
            headers: handshake.headers.map { Pair(name: $0.name, value: $0.value) },
            remoteAddress: handshake.address, isSecure: handshake.isSecure,
            issuedAtMilliseconds: handshake.issuedAtMilliseconds
        )
    }

    /// The handshake as the socket's own node saw it.
    public var handshake: SocketIOHandshake {
        let engine = EngineHandshake(
            url: url, query: Dictionary(query.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }),
            headers: headers.map { ($0.name, $0.value) }, remoteAddress: remoteAddress, isSecure: isSecure,
            issuedAtMilliseconds: issuedAtMilliseconds
        )
        return SocketIOHandshake(engine: engine, auth: auth)
    }
}
