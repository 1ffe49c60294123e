import NIOCore
import NIOWebSocket

/// The receiving side of a WebSocket connection (RFC 6455 §5–§7, RFC 7692 §6): turns unmasked
/// frames into messages and decides how to answer control frames and broken rules.
///
/// An I/O-free state machine: every frame goes in through ``receive(_:)`` and comes out as one
/// ``Action`` for the channel handler to carry out. It enforces:
/// - reserved bits: RSV2/RSV3 never, RSV1 only on the first frame of a data message and only with
///   permessage-deflate (→ 1002);
/// - opcodes: reserved opcodes, a continuation with no message open, a new data frame while one is
///   open (→ 1002);
/// - control frames: fragmented or longer than 125 bytes (→ 1002);
/// - text: UTF-8 checked fragment by fragment, failing at the first impossible byte (→ 1007);
/// - size: the message (after inflating) may not exceed `maxMessageSize` (→ 1009);
/// - close: a 1-byte payload or an invalid code (→ 1002), a reason that is not UTF-8 (→ 1007);
///   a valid close is answered by echoing its code, after which every frame is ignored.
///
/// With permessage-deflate the assembler owns the inflater (a zlib stream); copies of an assembler
/// share it, so keep exactly one.
package struct WebSocketMessageAssembler {
    /// What the handler must do after a frame.
    package enum Action {
        /// Nothing to do (a fragment was buffered, a pong arrived, or the frame is ignored after close).
        case none
        /// Hand a complete message to the application.
        case deliver(WebSocketMessage)
        /// Send a pong with this payload (the ping's application data).
        case sendPong(ByteBuffer)
        /// The peer started the closing handshake: send a close frame with this payload (its status
        /// code, or nothing if it sent none), then close the TCP connection.
        case replyToCloseAndClose(ByteBuffer)
        /// The peer answered our close frame: close the TCP connection.
        case closeConnection
        /// The peer broke a rule: send a close frame with `error.closeCode`, then close the TCP connection.
        case fail(WebSocketError)
    }

    private enum State {
        /// Exchanging messages.
        case open
        /// We sent a close frame and wait for the peer's.
        case closeSent
        /// The closing handshake is over or the connection failed: nothing more is read.
        case closed
    }

    /// A data message whose frames are still arriving.
    private struct PartialMessage {
        var kind: WebSocketMessage.Kind
        var isCompressed: Bool
        var data: ByteBuffer
        var utf8: UTF8Validator
    }

    private var state: State = .open
    /// The fragmented message being received. Kept outside `state` so that appending to its
    /// buffer mutates it in place instead of copying it.
    private var partial: PartialMessage?
    private let maxMessageSize: Int
    private let inflater: PerMessageInflater?
    private let allocator: ByteBufferAllocator

    /// - Parameters:
    ///   - maxMessageSize: the largest message accepted, in bytes after decompression.
    ///   - deflate: the agreed permessage-deflate parameters, or `nil` if the extension is not in use.
    ///   - allocator: allocates message buffers.
    package init(
        maxMessageSize: Int,
        deflate: PerMessageDeflate.Configuration?,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws {
        self.maxMessageSize = maxMessageSize
        self.allocator = allocator
        self.inflater = try deflate.map { try PerMessageInflater(configuration: $0, allocator: allocator) }
    }

    /// Whether the connection is still open for messages in both directions.
    package var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    /// We are sending a close frame (closing handshake initiated by this side).
    ///
    /// - Returns: `true` if the close frame should be sent; `false` if a close was already sent or
    ///   the connection is closed.
    package mutating func closeInitiated() -> Bool {
        guard case .open = self.state else { return false }
        self.state = .closeSent
        return true
    }

    /// We failed the connection for a reason found outside the assembler (e.g. a frame decoder
    /// error); nothing more is read.
    ///
    /// - Returns: `true` if a close frame should still be sent (none was sent before).
    package mutating func connectionFailed() -> Bool {
        let wasOpen = self.isOpen
        self.state = .closed
        return wasOpen
    }

    /// Feeds one frame (masked frames are unmasked here).
    package mutating func receive(_ frame: WebSocketFrame) -> Action {
        switch self.state {
        case .closed:
            return .none
        case .closeSent:
            // Data and pings after our close are ignored (RFC 6455 §5.5.1); the peer's close ends it.
            guard frame.opcode == .connectionClose else { return .none }
            self.state = .closed
            return .closeConnection
        case .open:
            let action = self.receiveWhileOpen(frame)
            switch action {
            case .fail, .replyToCloseAndClose:
                self.state = .closed
                self.partial = nil  // an unfinished message is dropped
            case .none, .deliver, .sendPong, .closeConnection:
                break
            }
            return action
        }
    }

    private mutating func receiveWhileOpen(_ frame: WebSocketFrame) -> Action {
        if frame.rsv2 || frame.rsv3 {
            return .fail(.protocolViolation("RSV2 or RSV3 set without a negotiated extension"))
        }
        switch frame.opcode {
        case .ping, .pong, .connectionClose:
            if frame.rsv1 {
                return .fail(.protocolViolation("RSV1 set on a control frame"))
            }
            if !frame.fin {
                return .fail(.protocolViolation("fragmented control frame"))
            }
            if frame.length > 125 {
                return .fail(.protocolViolation("control frame payload longer than 125 bytes"))
            }
            return self.receiveControl(frame)
        case .text, .binary:
            if self.partial != nil {
                return .fail(.protocolViolation("new data frame while a fragmented message is open"))
            }
            if frame.rsv1 && self.inflater == nil {
                return .fail(.protocolViolation("RSV1 set without permessage-deflate"))
            }
            return self.receiveFirstFrame(frame)
        case .continuation:
            guard self.partial != nil else {
                return .fail(.protocolViolation("continuation frame with no message to continue"))
            }
            if frame.rsv1 {
                return .fail(.protocolViolation("RSV1 set on a continuation frame"))
            }
            return self.receiveContinuation(frame)
        default:
            return .fail(.protocolViolation("reserved opcode"))
        }
    }

    private func receiveControl(_ frame: WebSocketFrame) -> Action {
        let payload = frame.unmaskedData
        switch frame.opcode {
        case .ping:
            return .sendPong(payload)
        case .connectionClose:
            return self.receiveClose(payload)
        default:  // .pong: unsolicited or answering a ping we sent; nothing to do.
            return .none
        }
    }

    /// Checks a close frame's payload; `receive` moves to `.closed` on the resulting action.
    private func receiveClose(_ payload: ByteBuffer) -> Action {
        var payload = payload
        if payload.readableBytes == 0 {
            return .replyToCloseAndClose(payload)
        }
        guard let code = payload.readInteger(as: UInt16.self) else {
            return .fail(.protocolViolation("close frame with a 1-byte payload"))
        }
        guard WebSocketCloseCode.isValidReceived(code) else {
            return .fail(.protocolViolation("close frame with invalid status code \(code)"))
        }
        var validator = UTF8Validator()
        guard validator.validate(payload), validator.isAtCodePointBoundary else {
            return .fail(WebSocketError(code: .invalidUTF8, reason: "close reason is not valid UTF-8"))
        }
        var reply = self.allocator.buffer(capacity: 2)
        reply.writeInteger(code)
        return .replyToCloseAndClose(reply)
    }

    private mutating func receiveFirstFrame(_ frame: WebSocketFrame) -> Action {
        let kind: WebSocketMessage.Kind = frame.opcode == .text ? .text : .binary
        let payload = frame.unmaskedData
        if frame.fin && !frame.rsv1 {
            // A whole uncompressed message in one frame: deliver its buffer without copying.
            guard payload.readableBytes <= self.maxMessageSize else { return self.tooLarge() }
            if kind == .text {
                var validator = UTF8Validator()
                guard validator.validate(payload), validator.isAtCodePointBoundary else { return self.invalidText() }
            }
            return .deliver(WebSocketMessage(kind: kind, data: payload))
        }
        self.partial = PartialMessage(
            kind: kind,
            isCompressed: frame.rsv1,
            data: frame.rsv1 ? self.allocator.buffer(capacity: 0) : payload,
            utf8: UTF8Validator()
        )
        if frame.rsv1 {
            return self.appendCompressed(payload, isFinal: frame.fin)
        }
        guard payload.readableBytes <= self.maxMessageSize else { return self.tooLarge() }
        return self.appended(payload, isFinal: false)
    }

    private mutating func receiveContinuation(_ frame: WebSocketFrame) -> Action {
        let payload = frame.unmaskedData
        if self.partial!.isCompressed {
            return self.appendCompressed(payload, isFinal: frame.fin)
        }
        guard self.partial!.data.readableBytes + payload.readableBytes <= self.maxMessageSize else {
            return self.tooLarge()
        }
        self.partial!.data.writeImmutableBuffer(payload)
        return self.appended(payload, isFinal: frame.fin)
    }

    /// Inflates one compressed fragment into the partial message.
    private mutating func appendCompressed(_ payload: ByteBuffer, isFinal: Bool) -> Action {
        let inflater = self.inflater!
        let sizeBefore = self.partial!.data.readableBytes
        do {
            try inflater.inflate(payload, isFinal: isFinal, appendingTo: &self.partial!.data, limit: self.maxMessageSize)
        } catch {
            try? inflater.reset()
            switch error {
            case .tooLarge:
                return self.tooLarge()
            case .corruptData:
                return .fail(WebSocketError(code: .invalidCompressedData, reason: "compressed message is not valid DEFLATE"))
            case .internalError:
                return .fail(WebSocketError(code: .internalError, reason: "decompressor failed"))
            }
        }
        let data = self.partial!.data
        let inflated = data.getSlice(at: data.readerIndex + sizeBefore, length: data.readableBytes - sizeBefore)!
        return self.appended(inflated, isFinal: isFinal)
    }

    /// Checks the bytes just added to the partial message and delivers it if it is complete.
    private mutating func appended(_ newBytes: ByteBuffer, isFinal: Bool) -> Action {
        if self.partial!.kind == .text {
            guard self.partial!.utf8.validate(newBytes), !isFinal || self.partial!.utf8.isAtCodePointBoundary else {
                return self.invalidText()
            }
        }
        guard isFinal else { return .none }
        let message = WebSocketMessage(kind: self.partial!.kind, data: self.partial!.data)
        self.partial = nil
        return .deliver(message)
    }

    private func tooLarge() -> Action {
        .fail(WebSocketError(code: .messageTooLarge, reason: "message exceeds \(self.maxMessageSize) bytes"))
    }

    private func invalidText() -> Action {
        .fail(WebSocketError(code: .invalidUTF8, reason: "text message is not valid UTF-8"))
    }
}
