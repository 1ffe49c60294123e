import Crypto
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import SwitchboardChat

@Suite struct TokenAuthorityTests {
    static let secret = "test-secret-of-enough-length-32-bytes+"
    static let start: Int64 = 1_800_000_000_000

    final class Clock: Sendable {
        let now = NIOLockedValueBox<Int64>(TokenAuthorityTests.start)
        var read: @Sendable () -> Int64 { { [now] in now.withLockedValue { $0 } } }
    }

    static func authority(secret: String = secret, ttl: Int64 = 3_600, clock: Clock = Clock()) async -> TokenAuthority {
        await TokenAuthority(secret: secret, timeToLiveSeconds: ttl, clock: clock.read)
    }

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A compact JWS with the given header and claims JSON, signed with HMAC-SHA256 of `secret`
    /// (or with `signature` verbatim).
    static func handMade(header: String, claims: String, secret: String = secret, signature: String? = nil) -> String {
        let input = base64URL(Array(header.utf8)) + "." + base64URL(Array(claims.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return input + "." + (signature ?? base64URL(Array(mac)))
    }

    static let validClaims = #"{"sub":"u_alice","name":"alice","iat":1800000000,"exp":1800003600}"#

    @Test func anIssuedTokenVerifiesToItsUser() async throws {
        let authority = await Self.authority()
        let token = try await authority.issue(userID: "u_alice", username: "alice")
        let identity = try await authority.verify(token)
        #expect(identity.userID == "u_alice")
        #expect(identity.username == "alice")
        #expect(identity.expiresAt == Self.start + 3_600_000)
        #expect(TokenAuthority.headerAlgorithm(of: token) == "HS256")
    }

    @Test func aHandMadeHS256TokenWithTheRightSecretVerifies() async throws {
        let token = Self.handMade(header: #"{"alg":"HS256","typ":"JWT"}"#, claims: Self.validClaims)
        #expect(try await Self.authority().verify(token).userID == "u_alice")
    }

    @Test func anExpiredTokenIsRefusedAsExpired() async throws {
        let clock = Clock()
        let authority = await Self.authority(clock: clock)
        let token = try await authority.issue(userID: "u_alice", username: "alice")
        clock.now.withLockedValue { $0 += 3_600_000 }
        await #expect(throws: TokenError.expired) { try await authority.verify(token) }
    }

    @Test func aTokenJustBeforeExpiryIsAccepted() async throws {
        let clock = Clock()
        let authority = await Self.authority(clock: clock)
        let token = try await authority.issue(userID: "u_alice", username: "alice")
        clock.now.withLockedValue { $0 += 3_599_999 }
        #expect(try await authority.verify(token).userID == "u_alice")
    }

    @Test func aTokenSignedWithAnotherSecretIsInvalid() async throws {
        let other = try await Self.authority(secret: "another-secret-entirely-also-32-bytes+").issue(userID: "u_alice", username: "alice")
        await #expect(throws: TokenError.invalid) { try await Self.authority().verify(other) }
        let handMade = Self.handMade(header: #"{"alg":"HS256"}"#, claims: Self.validClaims, secret: "wrong-secret-xxxxxxxxxxxxxxxxxxxxxxxxxxxx")
        await #expect(throws: TokenError.invalid) { try await Self.authority().verify(handMade) }
    }

    @Test func aForgedPayloadIsInvalid() async throws {
        let authority = await Self.authority()
        let token = try await authority.issue(userID: "u_alice", username: "alice")
        let parts = token.split(separator: ".")
        let forgedClaims = Self.base64URL(Array(#"{"sub":"u_admin","name":"admin","iat":1800000000,"exp":1900000000}"#.utf8))
        let forged = parts[0] + "." + forgedClaims + "." + parts[2]
        await #expect(throws: TokenError.invalid) { try await authority.verify(String(forged)) }
    }

    @Test func algNoneIsInvalidWithOrWithoutASignature() async throws {
        let authority = await Self.authority()
        for header in [#"{"alg":"none","typ":"JWT"}"#, #"{"alg":"None"}"#, #"{"alg":"NONE"}"#] {
            let unsigned = Self.handMade(header: header, claims: Self.validClaims, signature: "")
            await #expect(throws: TokenError.invalid) { try await authority.verify(unsigned) }
            let signed = Self.handMade(header: header, claims: Self.validClaims)
            await #expect(throws: TokenError.invalid) { try await authority.verify(signed) }
        }
    }

    @Test func otherAlgorithmsAreInvalidEvenWithAValidHS256Signature() async throws {
        let authority = await Self.authority()
        for header in [#"{"alg":"HS512"}"#, #"{"alg":"RS256"}"#, #"{"typ":"JWT"}"#, #"{"alg":256}"#] {
            let token = Self.handMade(header: header, claims: Self.validClaims)
            await #expect(throws: TokenError.invalid) { try await authority.verify(token) }
        }
    }

    @Test func tokensWithMissingClaimsAreInvalid() async throws {
        let authority = await Self.authority()
        for claims in [#"{"name":"alice","iat":1800000000,"exp":1800003600}"#, #"{"sub":"u_alice","name":"alice"}"#, "[]"] {
            let token = Self.handMade(header: #"{"alg":"HS256"}"#, claims: claims)
            await #expect(throws: TokenError.invalid) { try await authority.verify(token) }
        }
    }

    @Test func aMissingTokenIsMissingAndGarbageIsInvalid() async throws {
        let authority = await Self.authority()
        await #expect(throws: TokenError.missing) { try await authority.verify(nil) }
        await #expect(throws: TokenError.missing) { try await authority.verify("") }
        for garbage in ["abc", "a.b", "a.b.c", "...", "e30.e30.", "😀.😀.😀"] {
            await #expect(throws: TokenError.invalid) { try await authority.verify(garbage) }
        }
    }
}
