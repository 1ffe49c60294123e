import CompressNIO
import NIOCore

/// Why inflating a message failed.
package enum InflateFailure: Error, Hashable {
    /// The inflated message would exceed the size limit.
    case tooLarge
    /// The compressed data is not valid DEFLATE.
    case corruptData
    /// zlib failed for a reason that is not the data's fault (memory).
    case internalError
}

/// Compresses outgoing messages for permessage-deflate (RFC 7692 §7.2.1).
///
/// Each message is deflated with a sync flush and the trailing `00 00 ff ff` is removed. With
/// `server_no_context_takeover` the stream is reset after every message.
///
/// Not thread-safe: owned by one channel handler on one event loop.
package final class PerMessageDeflater {
    private let compressor: ZlibCompressor
    private let resetsAfterEachMessage: Bool

    /// - Parameter configuration: the agreed parameters; the server's window applies.
    package init(configuration: PerMessageDeflate.Configuration) throws {
        // zlib cannot make raw DEFLATE with an 8-bit window. With a 9-bit window its matches reach at
        // most 2^9 - 262 = 250 bytes back (MAX_DIST), which a 256-byte window can resolve.
        let windowBits = Int32(max(configuration.serverMaxWindowBits, 9))
        self.compressor = try ZlibCompressor(
            algorithm: .deflate,
            configuration: ZlibConfiguration(
                windowSize: windowBits,
                compressionLevel: Int32(configuration.compressionLevel),
                memoryLevel: Int32(configuration.memoryLevel),
                strategy: .default
            )
        )
        self.resetsAfterEachMessage = configuration.serverNoContextTakeover
    }

    /// The compressed payload of one message (to send with RSV1 set).
    ///
    /// - Precondition: `payload` is not empty; send empty messages uncompressed (zlib cannot flush
    ///   an empty input twice in a row).
    package func compress(_ payload: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        precondition(payload.readableBytes > 0, "empty messages are sent uncompressed")
        var input = payload
        var output = allocator.buffer(capacity: self.compressor.maxSize(from: input))
        try self.compressor.deflate(from: &input, to: &output, flush: .sync)
        while input.readableBytes > 0 {
            // Not expected: maxSize bounds the output. Give more room and go on.
            output.reserveCapacity(minimumWritableBytes: self.compressor.maxSize(from: input))
            try self.compressor.deflate(from: &input, to: &output, flush: .sync)
        }
        // A sync flush ends with an empty stored block: 00 00 ff ff.
        if output.readableBytes >= 4,
            output.getInteger(at: output.writerIndex - 4, as: UInt32.self) == 0x0000_FFFF
        {
            output.moveWriterIndex(to: output.writerIndex - 4)
        }
        if self.resetsAfterEachMessage {
            try self.compressor.reset()
        }
        return output
    }
}

/// Decompresses incoming messages for permessage-deflate (RFC 7692 §7.2.2), fragment by fragment,
/// checking the size limit while it inflates so that a small compressed message cannot expand
/// into unbounded memory.
///
/// Not thread-safe: owned by one assembler, itself owned by one channel handler.
package final class PerMessageInflater {
    /// Output is produced in chunks of at most this many bytes, so a message can overshoot the
    /// limit by at most one chunk before it is rejected.
    static let chunkSize = 16 * 1024

    private let decompressor: ZlibDecompressor
    private let resetsAfterEachMessage: Bool
    private var scratch: ByteBuffer
    private let trailer: ByteBuffer

    /// - Parameter configuration: the agreed parameters; the client's window applies.
    package init(configuration: PerMessageDeflate.Configuration, allocator: ByteBufferAllocator) throws {
        self.decompressor = try ZlibDecompressor(
            algorithm: .deflate,
            windowSize: Int32(configuration.clientMaxWindowBits)
        )
        self.resetsAfterEachMessage = configuration.clientNoContextTakeover
        self.scratch = allocator.buffer(capacity: Self.chunkSize)
        self.trailer = allocator.buffer(bytes: [0x00, 0x00, 0xFF, 0xFF])
    }

    /// Inflates one fragment's payload and appends the output to `output`.
    ///
    /// - Parameters:
    ///   - fragment: the compressed bytes of one frame.
    ///   - isFinal: whether this is the message's last frame (then `00 00 ff ff` is appended first).
    ///   - output: the message so far.
    ///   - limit: the largest size `output` may reach.
    package func inflate(
        _ fragment: ByteBuffer,
        isFinal: Bool,
        appendingTo output: inout ByteBuffer,
        limit: Int
    ) throws(InflateFailure) {
        var input = fragment
        try self.inflateAll(&input, appendingTo: &output, limit: limit)
        if isFinal {
            var trailer = self.trailer
            try self.inflateAll(&trailer, appendingTo: &output, limit: limit)
            if self.resetsAfterEachMessage {
                try self.reset()
            }
        }
    }

    /// Drops the decompression context (used after a failure or with client_no_context_takeover).
    package func reset() throws(InflateFailure) {
        do {
            try self.decompressor.reset()
        } catch {
            throw .internalError
        }
    }

    private func inflateAll(
        _ input: inout ByteBuffer,
        appendingTo output: inout ByteBuffer,
        limit: Int
    ) throws(InflateFailure) {
        var stalledCalls = 0
        var mayHavePendingOutput = false
        while true {
            self.scratch.clear()
            let inputBefore = input.readableBytes
            var outputFull = false
            // With the input consumed but the last chunk full, zlib may still hold output.
            if input.readableBytes > 0 || mayHavePendingOutput {
                do {
                    try self.decompressor.inflate(from: &input, to: &self.scratch)
                } catch let error as CompressNIOError {
                    switch error {
                    case .bufferOverflow:
                        outputFull = true  // more output may be pending
                    case .inputBufferOverflow:
                        break  // no progress possible without more input
                    case .corruptData:
                        throw .corruptData
                    default:
                        throw .internalError
                    }
                } catch {
                    throw .internalError
                }
            }
            let produced = self.scratch.readableBytes
            if produced > 0 {
                guard output.readableBytes + produced <= limit else { throw .tooLarge }
                output.writeBuffer(&self.scratch)
            }
            mayHavePendingOutput = outputFull
            if outputFull { continue }
            if input.readableBytes == 0 { return }
            // zlib stopped with input left and room to spare: the peer ended the DEFLATE stream
            // (a block with BFINAL set). What follows starts a new stream.
            if produced == 0 && input.readableBytes == inputBefore {
                stalledCalls += 1
                guard stalledCalls < 2 else { throw .corruptData }
            } else {
                stalledCalls = 0
            }
            try self.reset()
        }
    }
}
