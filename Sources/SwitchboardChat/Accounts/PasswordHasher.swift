import Crypto
import _CryptoExtras
import Foundation

/// Salted PBKDF2-HMAC-SHA256 password hashes, encoded `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`.
///
/// Verification derives with the iterations stored in the hash (so raising ``iterations`` later keeps old
/// hashes valid) and compares in constant time.
public struct PasswordHasher: Sendable {
    /// The scheme tag of the encoding.
    static let scheme = "pbkdf2-sha256"
    /// Salt length in bytes.
    static let saltBytes = 16
    /// Derived key length in bytes.
    static let hashBytes = 32
    /// The production default: 210 000 iterations (OWASP's figure for PBKDF2-HMAC-SHA256).
    public static let defaultIterations = 210_000

    /// PBKDF2 iterations for new hashes (≥ 100 000 in production; tests may use fewer).
    public var iterations: Int

    /// Creates a hasher.
    public init(iterations: Int = PasswordHasher.defaultIterations) {
        self.iterations = max(1, iterations)
    }

    /// A new salted hash of `password`.
    func hash(_ password: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let derived = try Self.derive(password, salt: salt, iterations: iterations)
        return [Self.scheme, String(iterations), Data(salt).base64EncodedString(), Data(derived).base64EncodedString()]
            .joined(separator: "$")
    }

    /// Whether `password` matches `encoded`; `false` for malformed encodings.
    func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme,
            let iterations = Int(parts[1]), iterations > 0, iterations <= 10_000_000,
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
            !expected.isEmpty,
            let derived = try? Self.derive(password, salt: Array(salt), iterations: iterations, length: expected.count)
        else { return false }
        return Self.constantTimeEqual(Array(expected), derived)
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int, length: Int = hashBytes) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: length,
            unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
