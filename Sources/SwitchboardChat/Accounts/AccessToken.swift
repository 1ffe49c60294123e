import Foundation
import JWTKit

/// The claims of a chat access token: `sub` (user id), `name` (username), `iat`, `exp`.
struct AccessTokenClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var name: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    /// Expiry is checked by ``TokenAuthority`` against its own clock, so that tests can move time.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Why a token was refused; `code` is the CONNECT_ERROR / HTTP error code of the contract.
public struct TokenError: Error, Hashable, Sendable {
    /// `token_missing`, `token_invalid` or `token_expired`.
    public var code: String
    /// A human-readable explanation.
    public var message: String

    static let missing = TokenError(code: "token_missing", message: "sign in first: no token was given")
    static let invalid = TokenError(code: "token_invalid", message: "the token is malformed or its signature is wrong")
    static let expired = TokenError(code: "token_expired", message: "the token has expired; sign in again")
}

/// Issues and verifies HS256 access tokens with one secret.
///
/// Verification refuses anything that is not a three-part token whose header says `alg: HS256` before
/// jwt-kit checks the signature, so `alg: none` and other algorithms never reach a signer; expiry is
/// checked against the injected clock.
struct TokenAuthority: Sendable {
    /// The verified identity a token carries.
    struct Identity: Hashable, Sendable {
        var userID: String
        var username: String
        var expiresAt: Int64
    }

    private let keys: JWTKeyCollection
    /// Token lifetime in seconds.
    let timeToLiveSeconds: Int64
    /// Milliseconds since the Unix epoch.
    let clock: @Sendable () -> Int64

    init(secret: String, timeToLiveSeconds: Int64, clock: @escaping @Sendable () -> Int64) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Array(secret.utf8)), digestAlgorithm: .sha256)
        self.keys = keys
        self.timeToLiveSeconds = timeToLiveSeconds
        self.clock = clock
    }

    /// A signed token for `userID` / `username`, valid for ``timeToLiveSeconds`` from now.
    func issue(userID: String, username: String) async throws -> String {
        let now = clock() / 1000
        let claims = AccessTokenClaims(
            sub: SubjectClaim(value: userID), name: username,
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: TimeInterval(now))),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: TimeInterval(now + timeToLiveSeconds))))
        return try await keys.sign(claims)
    }

    /// The identity of `token`, or why it is refused.
    func verify(_ token: String?) async throws(TokenError) -> Identity {
        guard let token, !token.isEmpty else { throw TokenError.missing }
        guard Self.headerAlgorithm(of: token) == "HS256" else { throw TokenError.invalid }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw TokenError.invalid
        }
        let expiresAt = Int64((claims.exp.value.timeIntervalSince1970 * 1000).rounded(.down))
        guard clock() < expiresAt else { throw TokenError.expired }
        guard !claims.sub.value.isEmpty else { throw TokenError.invalid }
        return Identity(userID: claims.sub.value, username: claims.name, expiresAt: expiresAt)
    }

    /// The `alg` of a compact JWS header, `nil` when the token does not have three parts or the header
    /// is not a JSON object with a string `alg`.
    static func headerAlgorithm(of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty, let header = base64URLDecode(parts[0]),
            let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }

    /// Decodes unpadded base64url.
    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
