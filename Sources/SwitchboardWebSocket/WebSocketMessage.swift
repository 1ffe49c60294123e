import NIOCore

/// A complete WebSocket data message: the reassembled (and, with permessage-deflate, inflated)
/// payload of one text or binary message.
///
/// ``WebSocketMessageHandler`` fires these inbound and accepts them outbound.
public struct WebSocketMessage: Sendable, Hashable {
    /// The type of a data message (its first frame's opcode).
    public enum Kind: Sendable, Hashable {
        /// A text message; its payload is valid UTF-8.
        case text
        /// A binary message.
        case binary
    }

    /// Whether the payload is text or binary.
    public var kind: Kind
    /// The payload bytes. For inbound text messages they are validated UTF-8.
    public var data: ByteBuffer

    /// Creates a message.
    public init(kind: Kind, data: ByteBuffer) {
        self.kind = kind
        self.data = data
    }

    /// A text message with the UTF-8 bytes of `text`.
    public static func text(_ text: String, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> WebSocketMessage {
        WebSocketMessage(kind: .text, data: allocator.buffer(string: text))
    }

    /// A binary message carrying `data`.
    public static func binary(_ data: ByteBuffer) -> WebSocketMessage {
        WebSocketMessage(kind: .binary, data: data)
    }
}
