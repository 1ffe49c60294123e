import SwitchboardJSON

/// Why the publish API refused a request; each code maps to one HTTP status and a JSON body
/// `{"error":"<code>","message":"<what is wrong>"}`.
public struct PublishAPIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of refusal (extensible: match with `==`, not exhaustively).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The machine-readable name sent in the `error` field.
        public let name: String
        /// The HTTP status code that carries it.
        public let httpStatus: Int

        /// The `Authorization: Bearer <token>` header is missing or the token is wrong (401).
        public static let unauthorized = Code(name: "unauthorized", httpStatus: 401)
        /// The body is not valid JSON or does not follow the request schema (400).
        public static let badRequest = Code(name: "bad_request", httpStatus: 400)
        /// No namespace with that name exists on this server (404).
        public static let unknownNamespace = Code(name: "unknown_namespace", httpStatus: 404)
        /// The method is not `POST` (405).
        public static let methodNotAllowed = Code(name: "method_not_allowed", httpStatus: 405)
        /// The body is larger than the route accepts (413).
        public static let payloadTooLarge = Code(name: "payload_too_large", httpStatus: 413)
        /// The body is not declared as `application/json` (415).
        public static let unsupportedMediaType = Code(name: "unsupported_media_type", httpStatus: 415)

        /// The name.
        public var description: String { name }
    }

    /// The kind of refusal.
    public var code: Code
    /// A sentence that says what is wrong, for the caller's logs.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `<code>: <message>`.
    public var description: String { "\(code.name): \(message)" }

    /// The JSON body of the error response.
    public var jsonBody: String {
        JSONValue.object(["error": .string(code.name), "message": .string(message)]).jsonString
    }
}
