/// Why a document could not be parsed, with the byte offset where the problem was found.
public struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: Hashable, Sendable {
            case unexpectedEnd, unexpectedByte, trailingGarbage, tooDeep, tooLarge
            case invalidNumber, invalidEscape, controlCharacterInString, invalidUTF8
        }
        let base: Base

        /// The input ended inside a value.
        public static let unexpectedEnd = Code(base: .unexpectedEnd)
        /// A byte that cannot start or continue a value here.
        public static let unexpectedByte = Code(base: .unexpectedByte)
        /// Something other than whitespace follows the top-level value.
        public static let trailingGarbage = Code(base: .trailingGarbage)
        /// Arrays and objects are nested deeper than the limit.
        public static let tooDeep = Code(base: .tooDeep)
        /// The input is larger than the limit.
        public static let tooLarge = Code(base: .tooLarge)
        /// A number that does not follow the RFC 8259 grammar.
        public static let invalidNumber = Code(base: .invalidNumber)
        /// A backslash escape that RFC 8259 does not define, or a bad `\u` sequence.
        public static let invalidEscape = Code(base: .invalidEscape)
        /// An unescaped byte below 0x20 inside a string.
        public static let controlCharacterInString = Code(base: .controlCharacterInString)
        /// A string that is not valid UTF-8.
        public static let invalidUTF8 = Code(base: .invalidUTF8)

        /// The code's name.
        public var description: String { "\(base)" }
    }

    /// The kind of problem.
    public var code: Code
    /// The offset, in bytes from the start of the input, where it was found.
    public var offset: Int

    /// Creates an error.
    public init(code: Code, offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// A readable form of the error.
    public var description: String { "JSONParseError(\(code) at byte \(offset))" }
}

/// Why a value could not be serialized as plain JSON.
public struct JSONSerializationError: Error, Hashable, Sendable {
    /// The kind of problem; new codes may be added.
    public struct Code: Hashable, Sendable {
        enum Base: Hashable, Sendable { case binaryLeaf }
        let base: Base
        /// The value holds a ``JSONValue/binary(_:)`` leaf, which plain JSON cannot represent.
        public static let binaryLeaf = Code(base: .binaryLeaf)
    }

    /// The kind of problem.
    public var code: Code

    /// Creates an error.
    public init(code: Code) { self.code = code }
}
