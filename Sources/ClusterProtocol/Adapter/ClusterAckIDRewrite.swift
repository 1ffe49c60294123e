import NIOCore

/// Rewrites the acknowledgement id inside an encoded Socket.IO text packet, so a node that receives
/// another node's acknowledged broadcast registers an id of its own namespace counter (no clash with
/// its local pending acknowledgements). One copy of the text frame per node, not per socket.
///
/// The text form is `<type>[<attachments>-][<namespace>,]<id><payload>`.
public enum ClusterAckIDRewrite {
    /// `text` with its acknowledgement id replaced by `newID`; `nil` if `text` carries no id.
    public static func replacingAckID(in text: ByteBuffer, with newID: Int) -> ByteBuffer? {
        let bytes = text.readableBytesView
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        index += 1  // packet type
        // Attachment count: digits followed by '-'.
        var scan = index
        while scan < bytes.endIndex, isDigit(bytes[scan]) { scan += 1 }
        if scan > index, scan < bytes.endIndex, bytes[scan] == UInt8(ascii: "-") { index = scan + 1 }
        // Namespace: starts with '/', ends at ','.
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "/") {
            guard let comma = bytes[index...].firstIndex(of: UInt8(ascii: ",")) else { return nil }
            index = comma + 1
        }
        var end = index
        while end < bytes.endIndex, isDigit(bytes[end]) { end += 1 }
        guard end > index else { return nil }
        var result = ByteBuffer()
        result.reserveCapacity(bytes.count + 20)
        result.writeBytes(bytes[bytes.startIndex..<index])
        result.writeString(String(newID))
        result.writeBytes(bytes[end...])
        return result
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
