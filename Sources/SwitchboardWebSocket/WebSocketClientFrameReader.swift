import NIOCore
import NIOWebSocket

/// Whole frames from a client's byte stream, for a handler that reads the socket's bytes itself (no
/// `ByteToMessageHandler` in the pipeline): feed each read with ``append(_:)``, then take frames with
/// ``next()`` until it returns `nil`.
///
/// I/O-free and incremental: a frame split across reads is held until its last byte arrives, several
/// frames in one read come out one by one. Nothing is copied while no frame is split (the frames are
/// slices of the read), and no buffer is kept once every byte is consumed, so an idle connection holds
/// none. Payloads stay masked: ``Frame/unmaskedPayload`` unmasks a copy, ``Frame/payloadIs(_:)``
/// compares a one-byte payload without one.
///
/// Rules checked here, at the header and in this order (the remaining ones, RSV bits and opcodes,
/// belong to the caller): a payload longer than `maxFrameSize` → ``ReadError/frameTooLarge`` (close
/// 1009); a fragmented control frame, a control frame longer than 125 bytes → ``ReadError/protocolViolation``
/// (close 1002); an unmasked frame (RFC 6455 §5.1) → ``ReadError/unmaskedFrame`` (close 1002). After an error
/// the reader is spent: the caller fails the connection.
package struct WebSocketClientFrameReader {
    /// One complete frame from the client.
    package struct Frame {
        /// FIN, RSV1–3 and the opcode, as sent.
        package var firstByte: UInt8
        /// The masking key's bytes in network order (client frames are always masked).
        package var mask: UInt32
        /// The payload, still masked.
        package var maskedPayload: ByteBuffer

        /// Whether FIN is set.
        package var fin: Bool { firstByte & 0x80 != 0 }
        /// Whether RSV1 is set (a compressed message with permessage-deflate).
        package var rsv1: Bool { firstByte & 0x40 != 0 }
        /// Whether RSV2 or RSV3 is set (never allowed without an extension that defines them).
        package var rsv2OrRsv3: Bool { firstByte & 0x30 != 0 }
        /// The opcode (0x0–0xF).
        package var opcode: UInt8 { firstByte & 0x0F }
        /// The payload length.
        package var length: Int { maskedPayload.readableBytes }

        /// The payload unmasked (a copy; the read's bytes are shared with the channel).
        package var unmaskedPayload: ByteBuffer {
            var payload = maskedPayload
            let mask = self.mask
            payload.withUnsafeMutableReadableBytes { bytes in
                for index in bytes.indices {
                    bytes[index] ^= UInt8(truncatingIfNeeded: mask >> (24 - 8 * UInt32(index & 3)))
                }
            }
            return payload
        }

        /// Whether the payload is exactly the one byte `byte` (checked without unmasking a copy).
        package func payloadIs(_ byte: UInt8) -> Bool {
            guard maskedPayload.readableBytes == 1, let masked = maskedPayload.getInteger(at: maskedPayload.readerIndex, as: UInt8.self)
            else { return false }
            return masked ^ UInt8(truncatingIfNeeded: mask >> 24) == byte
        }
    }

    /// Why the stream cannot be read on.
    package enum ReadError: Error, Equatable {
        /// A frame longer than the reader's `maxFrameSize` (close 1009).
        case frameTooLarge
        /// A fragmented or over-long control frame (close 1002).
        case protocolViolation
        /// A frame without a masking key (close 1002). Kept apart from ``protocolViolation`` because a caller
        /// may treat it as a broken message rather than a broken stream (the header itself was well-formed).
        case unmaskedFrame

        /// The close code that answers the error.
        package var closeCode: UInt16 {
            switch self {
            case .frameTooLarge: 1009
            case .protocolViolation, .unmaskedFrame: 1002
            }
        }
    }

    /// The largest payload accepted in one frame.
    package let maxFrameSize: Int
    /// Bytes received and not yet taken as frames; `nil` when there are none.
    private var pending: ByteBuffer?

    /// - Parameter maxFrameSize: the largest payload accepted in one frame, in bytes.
    package init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    /// Whether bytes of an incomplete frame are held.
    package var hasPendingBytes: Bool { pending != nil }

    /// Adds the bytes of one read.
    package mutating func append(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        if pending == nil {
            pending = bytes
        } else {
            var bytes = bytes
            pending!.writeBuffer(&bytes)
        }
    }

    /// Drops the bytes held (when the connection is failing or closed).
    package mutating func discard() {
        pending = nil
    }

    /// The next complete frame, or `nil` when more bytes are needed.
    package mutating func next() throws(ReadError) -> Frame? {
        guard let buffer = pending, let header = WebSocketFrameHeader(at: buffer) else { return nil }
        guard header.length <= UInt64(maxFrameSize) else { throw .frameTooLarge }
        if header.isControl {
            guard header.isFinal, header.length <= 125 else { throw .protocolViolation }
        }
        guard let mask = header.mask else { throw .unmaskedFrame }
        let length = Int(header.length)
        guard buffer.readableBytes >= header.headerLength + length else { return nil }
        let payload = buffer.getSlice(at: buffer.readerIndex + header.headerLength, length: length)!
        if buffer.readableBytes == header.headerLength + length {
            pending = nil
        } else {
            pending!.moveReaderIndex(forwardBy: header.headerLength + length)
        }
        return Frame(firstByte: header.firstByte, mask: mask, maskedPayload: payload)
    }
}
