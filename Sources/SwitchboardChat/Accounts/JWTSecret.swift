import Foundation

/// Where the token secret comes from: the configured one, else `<data-dir>/jwt-secret`, created once
/// with a random secret (mode 0600) so tokens survive a restart.
enum JWTSecret {
    /// The shortest secret accepted, in bytes.
    static let minimumBytes = 32

    /// The configured secret, or the one in `dataDirectory` (created if missing).
    static func resolve(configured: String?, dataDirectory: String) throws -> String {
        if let configured {
            guard configured.utf8.count >= minimumBytes else {
                throw ChatConfigurationError("the JWT secret must be at least \(minimumBytes) bytes")
            }
            return configured
        }
        let path = (dataDirectory as NSString).appendingPathComponent("jwt-secret")
        if let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            text.utf8.count >= minimumBytes
        {
            return text
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = Data(bytes).base64EncodedString()
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ChatConfigurationError("cannot write the JWT secret to \(path)") }
        return secret
    }
}

/// The chat server cannot start with this configuration.
public struct ChatConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
