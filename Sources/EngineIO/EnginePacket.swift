import NIOCore

/// The seven Engine.IO v4 packet types and their wire digits.
public enum EnginePacketType: UInt8, Sendable, Hashable, CaseIterable {
    /// `0`: the server's handshake.
    case open = 0x30
    /// `1`: the transport is closing.
    case close = 0x31
    /// `2`: heartbeat request (or the upgrade `2probe`).
    case ping = 0x32
    /// `3`: heartbeat answer (or the upgrade `3probe`).
    case pong = 0x33
    /// `4`: a message for the layer above.
    case message = 0x34
    /// `5`: the client completes the upgrade.
    case upgrade = 0x35
    /// `6`: nothing; ends a long-poll cleanly.
    case noop = 0x36
}

/// One decoded Engine.IO packet.
public enum EnginePacket: Sendable, Hashable {
    /// The handshake, with its JSON body.
    case open(ByteBuffer)
    /// The transport is closing.
    case close
    /// A ping; `data` is empty, or `probe` during an upgrade.
    case ping(ByteBuffer)
    /// A pong; `data` is empty, or `probe` during an upgrade.
    case pong(ByteBuffer)
    /// A message for the layer above.
    case message(EngineMessage)
    /// The client completes an upgrade.
    case upgrade
    /// Nothing.
    case noop

    /// The packet's type.
    public var type: EnginePacketType {
        switch self {
        case .open: .open
        case .close: .close
        case .ping: .ping
        case .pong: .pong
        case .message: .message
        case .upgrade: .upgrade
        case .noop: .noop
        }
    }
}

/// Why bytes could not be decoded as Engine.IO packets.
public struct EngineDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rejection rule that applied.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Hashable, Sendable {
            case emptyPayload, emptyPacket, unknownPacketType, invalidBase64, invalidUTF8, payloadTooLarge
        }
        let base: Base
        /// The body of a polling request was empty.
        public static let emptyPayload = Code(base: .emptyPayload)
        /// A packet had no bytes (e.g. two separators in a row).
        public static let emptyPacket = Code(base: .emptyPacket)
        /// The first byte was not `0`…`6` (or `b` in a polling payload).
        public static let unknownPacketType = Code(base: .unknownPacketType)
        /// A `b…` polling packet was not valid base64.
        public static let invalidBase64 = Code(base: .invalidBase64)
        /// A text packet was not valid UTF-8.
        public static let invalidUTF8 = Code(base: .invalidUTF8)
        /// The bytes exceed `maxPayload`.
        public static let payloadTooLarge = Code(base: .payloadTooLarge)
        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// The rejection rule that applied.
    public var code: Code

    /// Creates an error with the given code.
    public init(_ code: Code) { self.code = code }

    /// A short explanation.
    public var description: String { "EngineDecodingError(\(code))" }
}
