/// Why this endpoint failed a WebSocket connection, with the close status code sent to the peer.
///
/// The assembler and the handler report every rule the peer broke as one of these; the close frame
/// carries ``closeCode`` (RFC 6455 §7.4.1).
public struct WebSocketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New codes may be added; switch with a `default` case.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case protocolViolation
            case invalidUTF8
            case messageTooLarge
            case invalidCompressedData
            case internalError
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The peer broke a framing rule of RFC 6455 or RFC 7692 (close code 1002).
        public static let protocolViolation = Code(.protocolViolation)
        /// A text message or a close reason is not valid UTF-8 (close code 1007).
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// A message is larger than the configured limit, measured after decompression (close code 1009).
        public static let messageTooLarge = Code(.messageTooLarge)
        /// A compressed message could not be inflated (close code 1007).
        public static let invalidCompressedData = Code(.invalidCompressedData)
        /// The compressor or decompressor failed for a reason that is not the peer's fault (close code 1011).
        public static let internalError = Code(.internalError)

        /// The WebSocket close status code sent to the peer for this failure.
        public var closeCode: UInt16 {
            switch self.base {
            case .protocolViolation: 1002
            case .invalidUTF8, .invalidCompressedData: 1007
            case .messageTooLarge: 1009
            case .internalError: 1011
            }
        }

        /// The name of the code.
        public var description: String {
            switch self.base {
            case .protocolViolation: "protocolViolation"
            case .invalidUTF8: "invalidUTF8"
            case .messageTooLarge: "messageTooLarge"
            case .invalidCompressedData: "invalidCompressedData"
            case .internalError: "internalError"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// Which rule was broken, for logs (not sent on the wire).
    public var reason: String

    /// Creates an error of the given kind.
    public init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The WebSocket close status code sent to the peer.
    public var closeCode: UInt16 { self.code.closeCode }

    /// `code: reason`.
    public var description: String { "WebSocketError.\(self.code): \(self.reason)" }
}

extension WebSocketError {
    static func protocolViolation(_ reason: String) -> WebSocketError {
        WebSocketError(code: .protocolViolation, reason: reason)
    }
}
