import Logging
import NIOCore

/// A fixed number of pipelined connections, each opened on first use and reopened, with backoff, on the
/// first use after it was lost.
actor RedisConnectionPool {
    private enum Slot {
        /// No connection; the next attempt may start at `notBefore`.
        case disconnected(failures: Int, notBefore: ContinuousClock.Instant)
        case connecting(Task<RedisConnection, any Error>)
        case connected(RedisConnection)
    }

    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private var slots: [Slot]
    private var failures: [Int]
    private var nextSlot = 0
    private var isShutDown = false

    init(configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let size = max(1, configuration.poolSize)
        self.slots = Array(repeating: .disconnected(failures: 0, notBefore: .now), count: size)
        self.failures = Array(repeating: 0, count: size)
    }

    /// A live connection, round robin over the slots; connects the chosen slot if needed.
    func connection() async throws(RedisError) -> RedisConnection {
        guard !isShutDown else { throw RedisError(code: .clientShutdown, message: "the Redis client was shut down") }
        let index = nextSlot
        nextSlot = (nextSlot + 1) % slots.count
        let task: Task<RedisConnection, any Error>
        switch slots[index] {
        case .connected(let connection) where connection.isActive:
            return connection
        case .connecting(let running):
            task = running
        case .connected:
            task = startConnecting(slot: index, notBefore: .now)
        case .disconnected(_, let notBefore):
            task = startConnecting(slot: index, notBefore: notBefore)
        }
        return try await connectionResult(of: task)
    }

    private func startConnecting(slot index: Int, notBefore: ContinuousClock.Instant) -> Task<RedisConnection, any Error> {
        let configuration = configuration
        let eventLoop = eventLoopGroup.any()
        let logger = logger
        let task = Task<RedisConnection, any Error> {
            if notBefore > .now { try await Task.sleep(until: notBefore) }
            do {
                let connection = try await RedisConnection.connect(
                    configuration: configuration, eventLoop: eventLoop, logger: logger)
                self.connected(slot: index, connection)
                return connection
            } catch {
                self.failed(slot: index, error)
                throw error
            }
        }
        slots[index] = .connecting(task)
        return task
    }

    private func connected(slot index: Int, _ connection: RedisConnection) {
        failures[index] = 0
        if isShutDown {
            connection.close()
            return
        }
        slots[index] = .connected(connection)
        logger.debug("redis connection opened", metadata: ["redis.slot": "\(index)"])
    }

    private func failed(slot index: Int, _ error: any Error) {
        failures[index] += 1
        let delay = reconnectDelay(
            afterFailures: failures[index], base: configuration.reconnectBaseDelay, maximum: configuration.reconnectMaxDelay)
        slots[index] = .disconnected(failures: failures[index], notBefore: .now + delay)
        logger.debug("redis connection attempt failed", metadata: [
            "redis.slot": "\(index)", "redis.error": "\(error)", "redis.retry_in": "\(delay)",
        ])
    }

    /// Refuses new commands and closes every connection once its pending commands are answered.
    func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        var connections: [RedisConnection] = []
        for slot in slots {
            switch slot {
            case .connected(let connection): connections.append(connection)
            case .connecting(let task): task.cancel()
            case .disconnected: break
            }
        }
        for connection in connections { await connection.close() }
    }
}
