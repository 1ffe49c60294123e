import ChatStore
import NIOCore

/// Writes rows in PostgreSQL's `COPY … FROM STDIN` text format: columns separated by tabs, rows ended by a
/// newline, `\N` for NULL, and backslash, tab, newline and carriage return escaped inside values.
struct PostgresCopyText {
    private(set) var buffer: ByteBuffer

    init(capacity: Int) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Appends one `chat_messages` row in ``PostgresArchive/copyColumns`` order.
    mutating func append(_ message: StoredMessage) {
        integer(message.id.rawValue)
        tab()
        text(message.room)
        tab()
        text(message.clientMessageID)
        tab()
        text(message.sender)
        tab()
        text(message.body)
        tab()
        integer(message.createdAt)
        tab()
        optional(message.editedAt)
        tab()
        optional(message.deletedAt)
        tab()
        text(MetadataCoding.encode(message.metadata))
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    private mutating func tab() { buffer.writeInteger(UInt8(ascii: "\t")) }

    private mutating func integer(_ value: Int64) { buffer.writeString(String(value)) }

    private mutating func optional(_ value: Int64?) {
        if let value { integer(value) } else { buffer.writeStaticString("\\N") }
    }

    private mutating func text(_ value: String) {
        // Most values need no escaping: write them in one go.
        if !value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            buffer.writeString(value)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            case 0..<0x20:
                // Other control bytes: octal escape, which COPY reads back as the same byte.
                buffer.writeInteger(UInt8(ascii: "\\"))
                buffer.writeInteger(UInt8(ascii: "0") + (byte >> 6))
                buffer.writeInteger(UInt8(ascii: "0") + ((byte >> 3) & 7))
                buffer.writeInteger(UInt8(ascii: "0") + (byte & 7))
            default: buffer.writeInteger(byte)
            }
        }
    }
}
