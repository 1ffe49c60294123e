import Foundation
import Testing

@testable import SwitchboardChat

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(iterations: 1_000)

    @Test func aHashVerifiesItsPasswordOnly() throws {
        let encoded = try hasher.hash("correct horse")
        #expect(hasher.verify("correct horse", against: encoded))
        #expect(!hasher.verify("correct horsf", against: encoded))
        #expect(!hasher.verify("", against: encoded))
    }

    @Test func theEncodingNamesSchemeIterationsSaltAndHash() throws {
        let parts = try hasher.hash("pw-12345").split(separator: "$")
        #expect(parts.count == 4)
        #expect(parts[0] == "pbkdf2-sha256")
        #expect(parts[1] == "1000")
        #expect(Data(base64Encoded: String(parts[2]))?.count == 16)
        #expect(Data(base64Encoded: String(parts[3]))?.count == 32)
    }

    @Test func twoHashesOfOnePasswordDifferBySalt() throws {
        #expect(try hasher.hash("same-password") != hasher.hash("same-password"))
    }

    @Test func verificationUsesTheIterationsStoredInTheHash() throws {
        let old = try PasswordHasher(iterations: 500).hash("pw-12345")
        #expect(hasher.verify("pw-12345", against: old))
    }

    @Test func theDerivationMatchesAKnownPBKDF2Vector() throws {
        // RFC 7914 §11, PBKDF2-HMAC-SHA256, P = "passwd", S = "salt", c = 1, dkLen = 64 (first 32 bytes).
        let derived = try PasswordHasher.derive("passwd", salt: Array("salt".utf8), iterations: 1)
        #expect(derived.map { String(format: "%02x", $0) }.joined()
            == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
    }

    @Test(arguments: [
        "", "pbkdf2-sha256$1000$AAAA", "bcrypt$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA", "pbkdf2-sha256$0$AAAA$AAAA",
        "pbkdf2-sha256$x$AAAA$AAAA", "pbkdf2-sha256$1000$!!$AAAA", "pbkdf2-sha256$1000$AAAA$",
        "pbkdf2-sha256$99999999999$AAAA$AAAA",
    ])
    func malformedHashesNeverVerify(_ encoded: String) {
        #expect(!hasher.verify("anything", against: encoded))
    }

    @Test func constantTimeComparisonComparesEveryByte() {
        #expect(PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!PasswordHasher.constantTimeEqual([9, 2, 3], [1, 2, 3]))
        #expect(!PasswordHasher.constantTimeEqual([1, 2], [1, 2, 3]))
        #expect(PasswordHasher.constantTimeEqual([], []))
    }

    @Test func theProductionDefaultIsAtLeastOneHundredThousandIterations() {
        #expect(PasswordHasher().iterations >= 100_000)
        #expect(ChatServerConfiguration().passwordIterations >= 100_000)
    }
}
