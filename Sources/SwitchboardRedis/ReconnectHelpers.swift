/// The delay before the next connection attempt after `failures` failed ones: none after success, then
/// `base`, doubling, capped at `maximum`.
func reconnectDelay(afterFailures failures: Int, base: Duration, maximum: Duration) -> Duration {
    guard failures > 0 else { return .zero }
    var delay = base
    for _ in 1..<min(failures, 32) {
        delay *= 2
        if delay >= maximum { return maximum }
    }
    return min(delay, maximum)
}

/// The connection a connecting task produced; its failure as a ``RedisError`` (cancellation and other
/// errors become ``RedisError/Code/connectionFailed``).
func connectionResult(of task: Task<RedisConnection, any Error>) async throws(RedisError) -> RedisConnection {
    do {
        return try await task.value
    } catch let error as RedisError {
        throw error
    } catch {
        throw RedisError(code: .connectionFailed, message: "\(error)", underlying: error)
    }
}
