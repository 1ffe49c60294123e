import EngineIO
import NIOCore
import SwitchboardJSON

/// Encodes Socket.IO packets into ready-to-send Engine.IO messages.
public enum SocketIOPacketEncoder {
    /// Encodes `packet`: one text message, followed by one binary message per attachment when the payload
    /// of an `EVENT` or `ACK` contains binary leaves (it is then sent as `BINARY_EVENT` / `BINARY_ACK`).
    ///
    /// The result can be handed to any number of connections: encoding happens once.
    public static func encode(
        _ packet: SocketIOPacket, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> [OutboundEngineMessage] {
        let (text, attachments) = encodeText(packet, allocator: allocator)
        var messages = [OutboundEngineMessage(text: text, allocator: allocator)]
        for attachment in attachments {
            messages.append(OutboundEngineMessage(binary: attachment, allocator: allocator))
        }
        return messages
    }

    /// Encodes the text part of `packet` and returns it with the binary attachments, in order.
    public static func encodeText(
        _ packet: SocketIOPacket, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> (text: ByteBuffer, attachments: [ByteBuffer]) {
        var type = packet.type
        let hasBinary = packet.data?.containsBinary ?? false
        if hasBinary {
            switch type {
            case .event: type = .binaryEvent
            case .ack: type = .binaryAck
            case .connect, .disconnect, .connectError, .binaryEvent, .binaryAck: break
            }
        }
        var body = allocator.buffer(capacity: 64)
        var attachments: [ByteBuffer] = []
        if let data = packet.data {
            attachments = JSONSerializer.writeReplacingBinary(data, into: &body)
        }
        var text = allocator.buffer(capacity: body.readableBytes + packet.namespace.utf8.count + 24)
        text.writeInteger(UInt8(ascii: "0") + type.rawValue)
        if type == .binaryEvent || type == .binaryAck {
            text.writeString(String(attachments.count))
            text.writeInteger(UInt8(ascii: "-"))
        }
        if packet.namespace != "/" && !packet.namespace.isEmpty {
            text.writeString(packet.namespace)
            text.writeInteger(UInt8(ascii: ","))
        }
        if let ackID = packet.ackID {
            text.writeString(String(ackID))
        }
        text.writeBuffer(&body)
        return (text, attachments)
    }
}
