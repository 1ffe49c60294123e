import NIOCore
import SwitchboardJSON

/// Checks one HTTP request to the publish API, without I/O: method, bearer token, content type, size,
/// then the JSON body, in that order (so a caller without the token learns nothing about the body rules).
public struct PublishRequestValidator: Sendable {
    /// The token callers must send as `Authorization: Bearer <token>`.
    private let token: [UInt8]
    /// Largest accepted body, in bytes.
    public let maxBodySize: Int
    private let parser: JSONParser

    /// Creates a validator; `token` must not be empty.
    public init(token: String, maxBodySize: Int = PublishAPIRoute.defaultMaxBodySize) {
        precondition(!token.isEmpty, "the publish token must not be empty")
        self.token = Array(token.utf8)
        self.maxBodySize = maxBodySize
        self.parser = JSONParser(maximumBytes: maxBodySize, maximumDepth: 64)
    }

    /// The request to carry out, or the reason to refuse it.
    ///
    /// - Parameters:
    ///   - method: the HTTP method, e.g. `POST`.
    ///   - authorization: the `Authorization` header, if any.
    ///   - contentType: the `Content-Type` header, if any (absent is accepted as JSON).
    public func validate(
        method: String, authorization: String?, contentType: String?, body: ByteBuffer
    ) throws(PublishAPIError) -> PublishRequest {
        guard method == "POST" else { throw PublishAPIError(.methodNotAllowed, "use POST") }
        guard let authorization, isAuthorized(authorization) else {
            throw PublishAPIError(.unauthorized, "send 'Authorization: Bearer <publish token>'")
        }
        if let contentType, !Self.isJSON(contentType) {
            throw PublishAPIError(.unsupportedMediaType, "the body must be application/json, got '\(contentType)'")
        }
        guard body.readableBytes <= maxBodySize else {
            throw PublishAPIError(.payloadTooLarge, "the body is \(body.readableBytes) bytes, at most \(maxBodySize) are accepted")
        }
        let json: JSONValue
        do {
            json = try parser.parse(body)
        } catch {
            throw PublishAPIError(.badRequest, "the body is not valid JSON: \(error)")
        }
        return try PublishRequest(json: json)
    }

    /// Whether `header` is `Bearer <token>` (scheme case-insensitive); compares in constant time for tokens
    /// of the right length.
    func isAuthorized(_ header: String) -> Bool {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count == scheme.count + token.count else { return false }
        for index in scheme.indices where Self.lowercasedASCII(bytes[index]) != scheme[index] { return false }
        var difference: UInt8 = 0
        for index in token.indices { difference |= bytes[scheme.count + index] ^ token[index] }
        return difference == 0
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    /// Whether the media type (before any `;` parameter) is `application/json`.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingSpaces().lowercased() == "application/json"
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var slice = self
        while slice.first == " " || slice.first == "\t" { slice = slice.dropFirst() }
        while slice.last == " " || slice.last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
