/// Why an inbound Socket.IO packet was rejected. The server closes the connection on any of these.
public struct SocketIOPacketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule that was broken; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: Hashable, Sendable {
            case emptyPacket, unknownType, invalidAttachmentCount, tooManyAttachments, invalidAckID
            case invalidJSON, connectPayloadNotObject, disconnectWithPayload, connectErrorPayloadInvalid
            case eventPayloadNotArray, missingEventName, invalidEventName, reservedEventName
            case ackPayloadNotArray, missingPayload, invalidPlaceholder
            case attachmentWithoutPacket, textWhileAwaitingAttachments
        }
        let base: Base
        /// The code's name.
        public var description: String { "\(base)" }

        /// An empty text message.
        public static let emptyPacket = Code(base: .emptyPacket)
        /// The first character is not a packet type digit `0`–`6`.
        public static let unknownType = Code(base: .unknownType)
        /// A binary packet without a valid `N-` attachment count.
        public static let invalidAttachmentCount = Code(base: .invalidAttachmentCount)
        /// More attachments announced than allowed.
        public static let tooManyAttachments = Code(base: .tooManyAttachments)
        /// The acknowledgement id is not a non-negative integer (e.g. `42abc[...]`).
        public static let invalidAckID = Code(base: .invalidAckID)
        /// The payload is not valid JSON.
        public static let invalidJSON = Code(base: .invalidJSON)
        /// A `CONNECT` payload that is not an object.
        public static let connectPayloadNotObject = Code(base: .connectPayloadNotObject)
        /// A `DISCONNECT` packet with a payload.
        public static let disconnectWithPayload = Code(base: .disconnectWithPayload)
        /// A `CONNECT_ERROR` payload that is neither a string nor an object.
        public static let connectErrorPayloadInvalid = Code(base: .connectErrorPayloadInvalid)
        /// An `EVENT` payload that is not an array (e.g. `42{}`).
        public static let eventPayloadNotArray = Code(base: .eventPayloadNotArray)
        /// An `EVENT` payload that is an empty array.
        public static let missingEventName = Code(base: .missingEventName)
        /// An `EVENT` whose first element is not a string.
        public static let invalidEventName = Code(base: .invalidEventName)
        /// An `EVENT` named like a reserved event (`connect`, `disconnect`, `disconnecting`, ...).
        public static let reservedEventName = Code(base: .reservedEventName)
        /// An `ACK` payload that is not an array.
        public static let ackPayloadNotArray = Code(base: .ackPayloadNotArray)
        /// An `EVENT` or `ACK` without a payload.
        public static let missingPayload = Code(base: .missingPayload)
        /// A `_placeholder` object whose `num` does not name a received attachment.
        public static let invalidPlaceholder = Code(base: .invalidPlaceholder)
        /// A binary message arrived while no binary packet was waiting for attachments.
        public static let attachmentWithoutPacket = Code(base: .attachmentWithoutPacket)
        /// A text message arrived while a binary packet was still waiting for attachments.
        public static let textWhileAwaitingAttachments = Code(base: .textWhileAwaitingAttachments)
    }

    /// The rule that was broken.
    public var code: Code

    /// Creates an error.
    public init(code: Code) { self.code = code }

    /// A readable form of the error.
    public var description: String { "SocketIOPacketError(\(code))" }
}
