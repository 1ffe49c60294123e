import EngineIO
import NIOCore
import SwitchboardJSON

/// Decodes inbound Engine.IO messages into Socket.IO packets: a state machine that, after the header of
/// a `BINARY_EVENT` / `BINARY_ACK`, collects the announced number of binary messages and then puts them
/// in place of their `{"_placeholder":true,"num":N}` markers.
public struct SocketIOPacketDecoder: Sendable {
    /// Event names a client may not use (they have a meaning of their own).
    package static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    enum State: Sendable {
        case idle
        case awaitingAttachments(packet: SocketIOPacket, expected: Int, received: [ByteBuffer])
    }

    /// The most attachments one packet may announce.
    public let maximumAttachments: Int
    /// The JSON parser, with its size and depth limits.
    public let parser: JSONParser
    private(set) var state: State = .idle

    /// Creates a decoder that accepts up to `maximumAttachments` (default 10) attachments per packet.
    public init(maximumAttachments: Int = 10, parser: JSONParser = JSONParser()) {
        self.maximumAttachments = maximumAttachments
        self.parser = parser
    }

    /// Whether a binary packet is waiting for more attachments.
    public var isAwaitingAttachments: Bool {
        if case .awaitingAttachments = state { return true }
        return false
    }

    /// Feeds one Engine.IO message; returns a complete packet, or `nil` while attachments are still due.
    public mutating func decode(_ message: EngineMessage) throws(SocketIOPacketError) -> SocketIOPacket? {
        switch (message, state) {
        case (.text(let text), .idle):
            let (packet, attachments) = try Self.decodeHeader(text, maximumAttachments: maximumAttachments, parser: parser)
            guard let attachments else { return packet }
            if attachments == 0 { return try Self.reconstruct(packet, attachments: []) }
            state = .awaitingAttachments(packet: packet, expected: attachments, received: [])
            return nil
        case (.text, .awaitingAttachments):
            state = .idle
            throw SocketIOPacketError(code: .textWhileAwaitingAttachments)
        case (.binary, .idle):
            throw SocketIOPacketError(code: .attachmentWithoutPacket)
        case (.binary(let bytes), .awaitingAttachments(let packet, let expected, var received)):
            received.append(bytes)
            guard received.count == expected else {
                state = .awaitingAttachments(packet: packet, expected: expected, received: received)
                return nil
            }
            state = .idle
            return try Self.reconstruct(packet, attachments: received)
        }
    }

    /// Parses the text form of a packet. Returns the packet (binary types already mapped to `event` /
    /// `ack`) and, for binary packets, the number of attachments that follow.
    static func decodeHeader(
        _ text: ByteBuffer, maximumAttachments: Int, parser: JSONParser
    ) throws(SocketIOPacketError) -> (SocketIOPacket, attachments: Int?) {
        let result: Result<(SocketIOPacket, Int?), SocketIOPacketError> = text.withUnsafeReadableBytes { bytes in
            Result { () throws(SocketIOPacketError) in
                try decodeHeader(bytes, maximumAttachments: maximumAttachments, parser: parser)
            }
        }
        return try result.get()
    }

    static func decodeHeader(
        _ bytes: UnsafeRawBufferPointer, maximumAttachments: Int, parser: JSONParser
    ) throws(SocketIOPacketError) -> (SocketIOPacket, attachments: Int?) {
        guard let first = bytes.first else { throw SocketIOPacketError(code: .emptyPacket) }
        guard first >= UInt8(ascii: "0"), let type = SocketIOPacketType(rawValue: first &- UInt8(ascii: "0")) else {
            throw SocketIOPacketError(code: .unknownType)
        }
        var index = 1
        var attachments: Int?
        if type == .binaryEvent || type == .binaryAck {
            let start = index
            var count = 0
            while index < bytes.count, isDigit(bytes[index]) {
                count = count * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
                guard count <= maximumAttachments else { throw SocketIOPacketError(code: .tooManyAttachments) }
            }
            guard index > start, index < bytes.count, bytes[index] == UInt8(ascii: "-") else {
                throw SocketIOPacketError(code: .invalidAttachmentCount)
            }
            index += 1
            attachments = count
        }
        var namespace = "/"
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            namespace = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if index < bytes.count { index += 1 }  // the comma
        }
        var ackID: Int?
        if index < bytes.count, isDigit(bytes[index]) {
            var id = 0
            while index < bytes.count, isDigit(bytes[index]) {
                let (times10, overflow1) = id.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2, sum <= 9_007_199_254_740_991 else {
                    throw SocketIOPacketError(code: .invalidAckID)
                }
                id = sum
                index += 1
            }
            ackID = id
        }
        var data: JSONValue?
        if index < bytes.count {
            try rejectMalformedAckID(bytes, from: index)
            do {
                data = try parser.parse(UnsafeRawBufferPointer(rebasing: bytes[index...]))
            } catch {
                throw SocketIOPacketError(code: .invalidJSON)
            }
        }
        try validate(type: type, data: data)
        let normalized: SocketIOPacketType
        switch type {
        case .binaryEvent: normalized = .event
        case .binaryAck: normalized = .ack
        case .connect, .disconnect, .event, .ack, .connectError: normalized = type
        }
        return (SocketIOPacket(type: normalized, namespace: namespace, ackID: ackID, data: data), attachments)
    }

    /// `42abc[...]`: letters or digits glued before the JSON payload are a malformed acknowledgement id.
    static func rejectMalformedAckID(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(SocketIOPacketError) {
        var index = start
        while index < bytes.count, isAlphanumeric(bytes[index]) { index += 1 }
        if index > start, index < bytes.count, bytes[index] == UInt8(ascii: "[") || bytes[index] == UInt8(ascii: "{") {
            throw SocketIOPacketError(code: .invalidAckID)
        }
    }

    static func validate(type: SocketIOPacketType, data: JSONValue?) throws(SocketIOPacketError) {
        switch type {
        case .connect:
            if let data, data.objectValue == nil { throw SocketIOPacketError(code: .connectPayloadNotObject) }
        case .disconnect:
            if data != nil { throw SocketIOPacketError(code: .disconnectWithPayload) }
        case .connectError:
            switch data {
            case .string?, .object?: break
            default: throw SocketIOPacketError(code: .connectErrorPayloadInvalid)
            }
        case .event, .binaryEvent:
            guard let data else { throw SocketIOPacketError(code: .missingPayload) }
            guard case .array(let elements) = data else { throw SocketIOPacketError(code: .eventPayloadNotArray) }
            guard let name = elements.first else { throw SocketIOPacketError(code: .missingEventName) }
            guard case .string(let event) = name else { throw SocketIOPacketError(code: .invalidEventName) }
            if reservedEventNames.contains(event) { throw SocketIOPacketError(code: .reservedEventName) }
        case .ack, .binaryAck:
            guard let data else { throw SocketIOPacketError(code: .missingPayload) }
            guard case .array = data else { throw SocketIOPacketError(code: .ackPayloadNotArray) }
        }
    }

    /// Replaces every placeholder in the payload with its attachment.
    static func reconstruct(_ packet: SocketIOPacket, attachments: [ByteBuffer]) throws(SocketIOPacketError) -> SocketIOPacket {
        var packet = packet
        if let data = packet.data {
            packet.data = try replacePlaceholders(in: data, attachments: attachments)
        }
        return packet
    }

    static func replacePlaceholders(in value: JSONValue, attachments: [ByteBuffer]) throws(SocketIOPacketError) -> JSONValue {
        switch value {
        case .array(let elements):
            var result: [JSONValue] = []
            result.reserveCapacity(elements.count)
            for element in elements { result.append(try replacePlaceholders(in: element, attachments: attachments)) }
            return .array(result)
        case .object(let object):
            if object["_placeholder"] == .bool(true) {
                guard let number = object["num"]?.intValue, number >= 0, number < attachments.count else {
                    throw SocketIOPacketError(code: .invalidPlaceholder)
                }
                return .binary(attachments[Int(number)])
            }
            var result = JSONObject()
            for member in object.members {
                result[member.key] = try replacePlaceholders(in: member.value, attachments: attachments)
            }
            return .object(result)
        case .null, .bool, .int, .double, .string, .binary:
            return value
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
    }
}
