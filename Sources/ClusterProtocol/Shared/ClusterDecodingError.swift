/// A cluster message or stored record that could not be decoded (another version, or corrupt bytes).
public struct ClusterDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: Base
        enum Base: String, Sendable, Hashable {
            case truncated, unsupportedVersion, unknownKind, invalidUTF8, invalidValue, trailingBytes
        }

        /// The bytes ended in the middle of a field.
        public static let truncated = Code(base: .truncated)
        /// The first byte names a format version this node does not speak.
        public static let unsupportedVersion = Code(base: .unsupportedVersion)
        /// The message kind or a value tag is unknown.
        public static let unknownKind = Code(base: .unknownKind)
        /// A string field is not valid UTF-8.
        public static let invalidUTF8 = Code(base: .invalidUTF8)
        /// A field holds a value out of its range (e.g. a negative count).
        public static let invalidValue = Code(base: .invalidValue)
        /// Bytes are left after the last field.
        public static let trailingBytes = Code(base: .trailingBytes)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Details for logs.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `ClusterDecodingError(code): message`.
    public var description: String { "ClusterDecodingError(\(code)): \(message)" }
}
