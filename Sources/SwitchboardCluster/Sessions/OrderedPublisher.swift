import DequeModule
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SwitchboardRedis

/// Publishes on one dedicated Redis connection, in call order: two messages published one after the
/// other (from one thread, or ordered by the caller across threads) reach every subscriber in that order.
///
/// ``RedisClient`` spreads commands over several connections, which would let a later message overtake
/// an earlier one; relayed requests and WebSocket frames of a session must not be reordered. While the
/// connection is (re)opening, messages wait in a queue of at most `maximumQueued` entries (older ones
/// are dropped beyond it: the requests they carry time out at their edge).
final class OrderedPublisher: Sendable {
    private enum State {
        case idle
        case connecting(Deque<(channel: String, payload: ByteBuffer)>)
        case connected(RedisConnection)
        case shutDown
    }

    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let maximumQueued: Int
    private let state = NIOLockedValueBox(State.idle)

    init(configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger, maximumQueued: Int = 100_000) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.maximumQueued = maximumQueued
    }

    /// Publishes `payload` on `channel` (fire and forget: Redis pub/sub is at-most-once anyway).
    func publish(_ payload: ByteBuffer, to channel: String) {
        let startConnecting = state.withLockedValue { state -> Bool in
            switch state {
            case .connected(let connection) where connection.isActive:
                // Under the lock, so that the order of writes is the order of calls.
                Self.send(payload, to: channel, on: connection, logger: logger)
                return false
            case .connected, .idle:
                state = .connecting([(channel, payload)])
                return true
            case .connecting(var queue):
                state = .idle
                if queue.count >= maximumQueued { queue.removeFirst() }
                queue.append((channel, payload))
                state = .connecting(queue)
                return false
            case .shutDown:
                return false
            }
        }
        if startConnecting { connect(attempt: 0) }
    }

    private static func send(_ payload: ByteBuffer, to channel: String, on connection: RedisConnection, logger: Logger) {
        connection.send(RESPCommand("PUBLISH", channel, payload)).whenFailure { error in
            logger.debug("cluster publish failed", metadata: ["redis.error": "\(error)"])
        }
    }

    private func connect(attempt: Int) {
        RedisConnection.connect(configuration: configuration, eventLoop: eventLoopGroup.any(), logger: logger).whenComplete {
            [self] result in
            switch result {
            case .success(let connection):
                let keep = state.withLockedValue { state -> Bool in
                    guard case .connecting(let queue) = state else { return false }
                    for (channel, payload) in queue { Self.send(payload, to: channel, on: connection, logger: logger) }
                    state = .connected(connection)
                    return true
                }
                guard keep else {
                    connection.close()
                    return
                }
                connection.closeFuture.whenComplete { [self] _ in
                    state.withLockedValue { state in
                        if case .connected(let current) = state, current === connection { state = .idle }
                    }
                }
            case .failure(let error):
                logger.debug("cluster publisher cannot connect", metadata: ["redis.error": "\(error)"])
                let retry = state.withLockedValue { state -> Bool in
                    if case .connecting = state { return true }
                    return false
                }
                guard retry else { return }
                let delay = min(50 << min(attempt, 6), 2000)
                eventLoopGroup.any().scheduleTask(in: .milliseconds(Int64(delay))) { self.connect(attempt: attempt + 1) }
            }
        }
    }

    /// Closes the connection once its pending publishes are answered; later publishes are dropped.
    func shutdown() async {
        let connection = state.withLockedValue { state -> RedisConnection? in
            defer { state = .shutDown }
            if case .connected(let connection) = state { return connection }
            return nil
        }
        if let connection { await connection.close() }
    }
}
