import NIOCore
import SwitchboardJSON

/// Encodes and decodes ``ClusterEnvelope``s: a version byte, a kind byte, the sender and namespace,
/// then the fields of the kind (see ``ClusterWireReader`` for the primitives).
///
/// Frames of a broadcast are copied once into the message and come back out as slices of the received
/// bytes, so a receiving node hands the sender's encoding to its sockets without re-encoding.
public enum ClusterMessageCodec {
    /// The format version this node writes and reads.
    public static let version: UInt8 = 1

    enum Kind: UInt8 {
        case broadcast = 1, clientCount, broadcastAck, socketsJoin, socketsLeave, disconnectSockets, fetchSockets,
            fetchSocketsResponse, serverSideEmit, serverSideEmitResponse
    }

    /// The bytes of `envelope`.
    public static func encode(_ envelope: ClusterEnvelope, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64 + envelope.namespace.utf8.count + frameBytes(envelope.message))
        buffer.writeInteger(version)
        buffer.writeInteger(kind(of: envelope.message).rawValue)
        buffer.writeClusterString(envelope.sender.rawValue)
        buffer.writeClusterString(envelope.namespace)
        switch envelope.message {
        case .broadcast(let broadcast):
            buffer.writeInteger(broadcast.id)
            write(broadcast.selection, into: &buffer)
            buffer.writeClusterBool(broadcast.volatile)
            buffer.writeClusterBool(broadcast.compress)
            buffer.writeClusterBool(broadcast.ack != nil)
            if let ack = broadcast.ack {
                buffer.writeInteger(ack.requestID)
                buffer.writeInteger(Int64(ack.ackID))
                buffer.writeInteger(ack.timeoutMilliseconds)
            }
            buffer.writeInteger(UInt32(broadcast.frames.count))
            for frame in broadcast.frames {
                buffer.writeClusterBool(frame.isBinary)
                buffer.writeClusterBlob(frame.payload)
            }
        case .clientCount(let requestID, let count):
            buffer.writeInteger(requestID)
            buffer.writeInteger(Int64(count))
        case .broadcastAck(let requestID, let arguments), .serverSideEmitResponse(let requestID, let arguments):
            buffer.writeInteger(requestID)
            buffer.writeClusterJSONs(arguments)
        case .socketsJoin(let selection, let rooms), .socketsLeave(let selection, let rooms):
            write(selection, into: &buffer)
            buffer.writeClusterStrings(rooms)
        case .disconnectSockets(let selection, let close):
            write(selection, into: &buffer)
            buffer.writeClusterBool(close)
        case .fetchSockets(let requestID, let selection):
            buffer.writeInteger(requestID)
            write(selection, into: &buffer)
        case .fetchSocketsResponse(let requestID, let sockets):
            buffer.writeInteger(requestID)
            buffer.writeInteger(UInt32(sockets.count))
            for socket in sockets { write(socket, into: &buffer) }
        case .serverSideEmit(let requestID, let event, let arguments):
            buffer.writeClusterBool(requestID != nil)
            if let requestID { buffer.writeInteger(requestID) }
            buffer.writeClusterString(event)
            buffer.writeClusterJSONs(arguments)
        }
        return buffer
    }

    /// Decodes one envelope; throws ``ClusterDecodingError`` for bytes this version cannot read.
    public static func decode(_ bytes: ByteBuffer) throws(ClusterDecodingError) -> ClusterEnvelope {
        var reader = ClusterWireReader(bytes)
        let version = try reader.integer(as: UInt8.self, "version")
        guard version == Self.version else {
            throw ClusterDecodingError(code: .unsupportedVersion, message: "version \(version), expected \(Self.version)")
        }
        guard let kind = Kind(rawValue: try reader.integer(as: UInt8.self, "kind")) else {
            throw ClusterDecodingError(code: .unknownKind, message: "unknown message kind")
        }
        let sender = ClusterNodeID(try reader.string("sender"))
        let namespace = try reader.string("namespace")
        let message: ClusterMessage
        switch kind {
        case .broadcast:
            let id = try reader.integer(as: UInt64.self, "broadcast id")
            let selection = try readSelection(&reader)
            let volatile = try reader.bool("volatile")
            let compress = try reader.bool("compress")
            var ack: ClusterBroadcast.Ack?
            if try reader.bool("has ack") {
                let requestID = try reader.integer(as: UInt64.self, "request id")
                let ackID = try reader.integer(as: Int64.self, "ack id")
                let timeout = try reader.integer(as: Int64.self, "ack timeout")
                guard ackID >= 0, timeout >= 0 else {
                    throw ClusterDecodingError(code: .invalidValue, message: "negative ack id or timeout")
                }
                ack = ClusterBroadcast.Ack(requestID: requestID, ackID: Int(ackID), timeoutMilliseconds: timeout)
            }
            let count = try reader.count("frames", minimumElementSize: 5)
            var frames: [ClusterFrame] = []
            frames.reserveCapacity(count)
            for _ in 0..<count {
                let isBinary = try reader.bool("frame kind")
                frames.append(ClusterFrame(isBinary: isBinary, payload: try reader.blob("frame")))
            }
            message = .broadcast(ClusterBroadcast(
                id: id, selection: selection, volatile: volatile, compress: compress, ack: ack, frames: frames))
        case .clientCount:
            let requestID = try reader.integer(as: UInt64.self, "request id")
            let count = try reader.integer(as: Int64.self, "client count")
            guard count >= 0 else { throw ClusterDecodingError(code: .invalidValue, message: "negative client count") }
            message = .clientCount(requestID: requestID, count: Int(count))
        case .broadcastAck:
            let requestID = try reader.integer(as: UInt64.self, "request id")
            message = .broadcastAck(requestID: requestID, arguments: try reader.jsons("arguments"))
        case .serverSideEmitResponse:
            let requestID = try reader.integer(as: UInt64.self, "request id")
            message = .serverSideEmitResponse(requestID: requestID, arguments: try reader.jsons("arguments"))
        case .socketsJoin:
            let selection = try readSelection(&reader)
            message = .socketsJoin(selection, rooms: try reader.strings("rooms"))
        case .socketsLeave:
            let selection = try readSelection(&reader)
            message = .socketsLeave(selection, rooms: try reader.strings("rooms"))
        case .disconnectSockets:
            let selection = try readSelection(&reader)
            message = .disconnectSockets(selection, close: try reader.bool("close"))
        case .fetchSockets:
            let requestID = try reader.integer(as: UInt64.self, "request id")
            message = .fetchSockets(requestID: requestID, try readSelection(&reader))
        case .fetchSocketsResponse:
            let requestID = try reader.integer(as: UInt64.self, "request id")
            let count = try reader.count("sockets", minimumElementSize: 30)
            var sockets: [ClusterSocketSnapshot] = []
            sockets.reserveCapacity(count)
            for _ in 0..<count { sockets.append(try readSnapshot(&reader)) }
            message = .fetchSocketsResponse(requestID: requestID, sockets: sockets)
        case .serverSideEmit:
            let requestID: UInt64? = try reader.bool("has request id") ? try reader.integer(as: UInt64.self, "request id") : nil
            let event = try reader.string("event")
            message = .serverSideEmit(requestID: requestID, event: event, arguments: try reader.jsons("arguments"))
        }
        try reader.finish()
        return ClusterEnvelope(sender: sender, namespace: namespace, message: message)
    }

    private static func kind(of message: ClusterMessage) -> Kind {
        switch message {
        case .broadcast: .broadcast
        case .clientCount: .clientCount
        case .broadcastAck: .broadcastAck
        case .socketsJoin: .socketsJoin
        case .socketsLeave: .socketsLeave
        case .disconnectSockets: .disconnectSockets
        case .fetchSockets: .fetchSockets
        case .fetchSocketsResponse: .fetchSocketsResponse
        case .serverSideEmit: .serverSideEmit
        case .serverSideEmitResponse: .serverSideEmitResponse
        }
    }

    private static func frameBytes(_ message: ClusterMessage) -> Int {
        guard case .broadcast(let broadcast) = message else { return 0 }
        return broadcast.frames.reduce(0) { $0 + 5 + $1.payload.readableBytes }
    }

    private static func write(_ selection: ClusterSelection, into buffer: inout ByteBuffer) {
        buffer.writeClusterStrings(selection.rooms)
        buffer.writeClusterStrings(selection.except)
    }

    private static func readSelection(_ reader: inout ClusterWireReader) throws(ClusterDecodingError) -> ClusterSelection {
        let rooms = try reader.strings("rooms")
        return ClusterSelection(rooms: rooms, except: try reader.strings("except"))
    }

    private static func write(_ socket: ClusterSocketSnapshot, into buffer: inout ByteBuffer) {
        buffer.writeClusterString(socket.id)
        buffer.writeClusterStrings(socket.rooms)
        buffer.writeClusterJSON(socket.data)
        buffer.writeClusterJSON(socket.auth)
        buffer.writeClusterString(socket.url)
        write(socket.query, into: &buffer)
        write(socket.headers, into: &buffer)
        buffer.writeClusterBool(socket.remoteAddress != nil)
        if let address = socket.remoteAddress { buffer.writeClusterString(address) }
        buffer.writeClusterBool(socket.isSecure)
        buffer.writeInteger(socket.issuedAtMilliseconds)
    }

    private static func write(_ pairs: [ClusterSocketSnapshot.Pair], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(pairs.count))
        for pair in pairs {
            buffer.writeClusterString(pair.name)
            buffer.writeClusterString(pair.value)
        }
    }

    private static func readPairs(_ reader: inout ClusterWireReader, _ field: StaticString) throws(ClusterDecodingError) -> [ClusterSocketSnapshot.Pair] {
        let count = try reader.count(field, minimumElementSize: 8)
        var pairs: [ClusterSocketSnapshot.Pair] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.string(field)
            pairs.append(ClusterSocketSnapshot.Pair(name: name, value: try reader.string(field)))
        }
        return pairs
    }

    private static func readSnapshot(_ reader: inout ClusterWireReader) throws(ClusterDecodingError) -> ClusterSocketSnapshot {
        let id = try reader.string("socket id")
        let rooms = try reader.strings("socket rooms")
        let data = try reader.json("socket data")
        let auth = try reader.json("socket auth")
        let url = try reader.string("socket url")
        let query = try readPairs(&reader, "socket query")
        let headers = try readPairs(&reader, "socket headers")
        let address: String? = try reader.bool("has address") ? try reader.string("socket address") : nil
        let isSecure = try reader.bool("socket secure")
        let issuedAt = try reader.integer(as: Int64.self, "socket issued at")
        return ClusterSocketSnapshot(
            id: id, rooms: rooms, data: data, auth: auth, url: url, query: query, headers: headers,
            remoteAddress: address, isSecure: isSecure, issuedAtMilliseconds: issuedAt
        )
    }
}
