import NIOCore
import NIOEmbedded
import NIOWebSocket

@testable import SwitchboardWebSocket

/// A frame as NIO's decoder would deliver it, optionally masked like a client's frame.
func frame(
    _ opcode: WebSocketOpcode,
    _ bytes: [UInt8],
    fin: Bool = true,
    rsv1: Bool = false,
    rsv2: Bool = false,
    rsv3: Bool = false,
    maskKey: WebSocketMaskingKey? = nil
) -> WebSocketFrame {
    var data = ByteBuffer(bytes: bytes)
    if let maskKey {
        data.webSocketMask(maskKey)
    }
    return WebSocketFrame(fin: fin, rsv1: rsv1, rsv2: rsv2, rsv3: rsv3, opcode: opcode, maskKey: maskKey, data: data)
}

func frame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) -> WebSocketFrame {
    frame(opcode, Array(text.utf8), fin: fin)
}

func closePayload(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] {
    [UInt8(code >> 8), UInt8(code & 0xFF)] + reason
}

extension WebSocketMessageAssembler.Action {
    /// A comparable summary for `#expect`.
    var summary: String {
        switch self {
        case .none: "none"
        case .deliver(let message): "deliver \(message.kind) \(Array(message.data.readableBytesView))"
        case .sendPong(let payload): "pong \(Array(payload.readableBytesView))"
        case .replyToCloseAndClose(let payload): "close \(Array(payload.readableBytesView))"
        case .closeConnection: "closeConnection"
        case .fail(let error): "fail \(error.closeCode)"
        }
    }
}

func deliver(_ kind: WebSocketMessage.Kind, _ bytes: [UInt8]) -> String {
    "deliver \(kind) \(bytes)"
}

func deliver(_ kind: WebSocketMessage.Kind, _ text: String) -> String {
    deliver(kind, Array(text.utf8))
}

extension Array where Element == UInt8 {
    init(hex: String) {
        self = hex.split(separator: " ").map { UInt8($0, radix: 16)! }
    }
}

/// Every byte the channel wrote, in order.
func outboundBytes(_ channel: EmbeddedChannel) throws -> [UInt8] {
    var bytes: [UInt8] = []
    while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
        bytes += buffer.readableBytesView
    }
    return bytes
}
