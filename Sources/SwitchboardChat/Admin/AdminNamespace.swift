import Crypto
import SocketIO
import SwitchboardJSON

/// Namespace `/admin` for the operations dashboard: admits a handshake whose `auth.token` equals the
/// admin token (compared in constant time); refuses everyone with `admin_disabled` when no token is set.
enum AdminNamespace {
    static let name = "/admin"

    static func install(on io: SocketIOServer, adminToken: String?) -> SocketIONamespace {
        let namespace = io.of(name)
        namespace.use { socket, next in
            guard let adminToken, !adminToken.isEmpty else {
                next(SocketIOMiddlewareError(message: "the operations dashboard is disabled", data: ["code": "admin_disabled"]))
                return
            }
            guard let given = socket.handshake.auth["token"]?.stringValue, !given.isEmpty else {
                next(SocketIOMiddlewareError(message: "the admin token is missing", data: ["code": "token_missing"]))
                return
            }
            guard tokensMatch(given, adminToken) else {
                next(SocketIOMiddlewareError(message: "the admin token is wrong", data: ["code": "token_invalid"]))
                return
            }
            next(nil)
        }
        return namespace
    }

    /// Compares the SHA-256 digests of both tokens in constant time (hiding the length too).
    static func tokensMatch(_ given: String, _ expected: String) -> Bool {
        let a = Array(SHA256.hash(data: Array(given.utf8)))
        let b = Array(SHA256.hash(data: Array(expected.utf8)))
        return PasswordHasher.constantTimeEqual(a, b)
    }
}
