import EngineIO
import NIOCore
import SwitchboardJSON

/// Encodes Socket.IO packets into ready-to-send Engine.IO messages.
public enum SocketIOPacketEncoder {
    /// Encodes `packet`: one text message, followed by one binary message per attachment when the payload
    /// of an `EVENT` or `ACK` contains binary leaves (it is then sent as `BINARY_EVENT` / `BINARY_ACK`).
    ///
    /// The result can be handed to any number of connections: encoding happens once. `compress: false`
    /// marks every message so that the transport sends it uncompressed.
    public static func encode(
        _ packet: SocketIOPacket, compress: Bool = true, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> [OutboundEngineMessage] {
        let (text, attachments) = encodeText(packet, allocator: allocator)
        var messages = [OutboundEngineMessage(text: text, compress: compress, allocator: allocator)]
        for attachment in attachments {
            messages.append(OutboundEngineMessage(binary: attachment, compress: compress, allocator: allocator))
        }
        return messages
    }

    /// Encodes the text part of `packet` and returns it with the binary attachments, in order.
    public static func encodeText(
        _ packet: SocketIOPacket, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> (text: ByteBuffer, attachments: [ByteBuffer]) {
        let hasBinary = packet.data?.containsBinary ?? false
        guard hasBinary else {
            // Common case: header and JSON straight into one buffer.
            var text = allocator.buffer(capacity: 64 + packet.namespace.utf8.count)
            let isBinaryType = packet.type == .binaryEvent || packet.type == .binaryAck
            writeHeader(type: packet.type, attachmentCount: isBinaryType ? 0 : nil, packet: packet, into: &text)
            if let data = packet.data {
                _ = JSONSerializer.writeReplacingBinary(data, into: &text)
            }
            return (text, [])
        }
        let type: SocketIOPacketType
        switch packet.type {
        case .event: type = .binaryEvent
        case .ack: type = .binaryAck
        case .connect, .disconnect, .connectError, .binaryEvent, .binaryAck: type = packet.type
        }
        var body = allocator.buffer(capacity: 64)
        var attachments: [ByteBuffer] = []
        if let data = packet.data {
            attachments = JSONSerializer.writeReplacingBinary(data, into: &body)
        }
        var text = allocator.buffer(capacity: body.readableBytes + packet.namespace.utf8.count + 24)
        let isBinaryType = type == .binaryEvent || type == .binaryAck
        writeHeader(type: type, attachmentCount: isBinaryType ? attachments.count : nil, packet: packet, into: &text)
        text.writeBuffer(&body)
        return (text, attachments)
    }

    /// Writes type digit, `N-` attachment count, `/namespace,` (unless `/`) and the ack id.
    private static func writeHeader(
        type: SocketIOPacketType, attachmentCount: Int?, packet: SocketIOPacket, into text: inout ByteBuffer
    ) {
        text.writeInteger(UInt8(ascii: "0") + type.rawValue)
        if let attachmentCount {
            text.writeString(String(attachmentCount))
            text.writeInteger(UInt8(ascii: "-"))
        }
        if packet.namespace != "/" && !packet.namespace.isEmpty {
            text.writeString(packet.namespace)
            text.writeInteger(UInt8(ascii: ","))
        }
        if let ackID = packet.ackID {
            text.writeString(String(ackID))
        }
    }
}
