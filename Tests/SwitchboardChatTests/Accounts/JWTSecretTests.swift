import Foundation
import Testing

@testable import SwitchboardChat

@Suite struct JWTSecretTests {
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "chat-secret-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return path
    }

    @Test func aConfiguredSecretWinsAndNothingIsWritten() throws {
        let directory = Self.temporaryDirectory()
        #expect(try JWTSecret.resolve(configured: "configured-secret-0123456789abcdefghij", dataDirectory: directory) == "configured-secret-0123456789abcdefghij")
        #expect(!FileManager.default.fileExists(atPath: directory + "/jwt-secret"))
    }

    @Test func aShortConfiguredSecretIsRefused() {
        #expect(throws: ChatConfigurationError.self) {
            try JWTSecret.resolve(configured: "short", dataDirectory: Self.temporaryDirectory())
        }
    }

    @Test func withoutAConfiguredSecretOneIsGeneratedOnceWithMode0600() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try JWTSecret.resolve(configured: nil, dataDirectory: directory)
        let second = try JWTSecret.resolve(configured: nil, dataDirectory: directory)
        #expect(first == second)
        #expect(first.utf8.count >= 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/jwt-secret")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let other = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(try JWTSecret.resolve(configured: nil, dataDirectory: other) != first)
    }
}
