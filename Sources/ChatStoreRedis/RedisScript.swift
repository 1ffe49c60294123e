import ChatStore
import NIOConcurrencyHelpers
import RESP
import SwitchboardRedis

/// A Lua script run by `EVALSHA`, loaded on first use and sent again in full when Redis lost its script
/// cache (after a restart).
final class RedisScript: Sendable {
    let source: String
    private let sha = NIOLockedValueBox<String?>(nil)

    init(_ source: String) {
        self.source = source
    }

    /// Runs the script with `keys` and `arguments`.
    func evaluate(on client: RedisClient, keys: [String], arguments: [String]) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + arguments
        let loaded: String
        if let cached = sha.withLockedValue({ $0 }) {
            loaded = cached
        } else {
            let reply = try await client.send(RESPCommand("SCRIPT", "LOAD", source))
            guard let text = reply.string else { throw ChatStoreError(.malformedRecord, "SCRIPT LOAD answered \(reply)") }
            sha.withLockedValue { $0 = text }
            loaded = text
        }
        let result: Result<RESPValue, RedisError>
        do {
            result = .success(try await client.send(RESPCommand("EVALSHA", arguments: [loaded] + tail)))
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let value):
            return value
        case .failure(let error) where error.serverErrorCode == "NOSCRIPT":
            // Redis restarted and lost its script cache: send the script itself (which caches it again).
            return try await client.send(RESPCommand("EVAL", arguments: [source] + tail))
        case .failure(let error):
            throw error
        }
    }
}
