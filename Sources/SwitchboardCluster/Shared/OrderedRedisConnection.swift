import Logging
import NIOConcurrencyHelpers
import NIOCore
import RESP
import SwitchboardRedis

/// One pipelined Redis connection that sends commands in the order they are handed to it (from one
/// thread), reconnecting on demand: what a node publishes broadcasts and records recovery events
/// through, so that two emits from the same place reach the other nodes in order.
///
/// While it connects, commands wait in a queue of at most `maximumQueued`; beyond that, and when a
/// connection attempt fails, they fail with ``RedisError`` (pub/sub is at-most-once anyway). After a
/// failed attempt, commands fail at once until the reconnect delay has passed.
final class OrderedRedisConnection: Sendable {
    private enum State {
        case idle(retryAfter: NIODeadline?)
        case connecting([(RESPCommand, EventLoopPromise<RESPValue>)])
        case connected(RedisConnection)
        case shutDown
    }

    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let maximumQueued: Int
    private let state = NIOLockedValueBox(State.idle(retryAfter: nil))
    private let failures = NIOLockedValueBox(0)

    init(configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger, maximumQueued: Int = 100_000) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.maximumQueued = maximumQueued
    }

    /// Sends `command`; the future completes with its reply or a ``RedisError``.
    @discardableResult
    func send(_ command: RESPCommand) -> EventLoopFuture<RESPValue> {
        enum Step {
            case send(RedisConnection)
            case wait(EventLoopFuture<RESPValue>)
            case connect(EventLoopPromise<RESPValue>)
            case fail(RedisError)
        }
        let step: Step = state.withLockedValue { state in
            switch state {
            case .connected(let connection) where connection.isActive:
                return .send(connection)
            case .connected:
                let promise = eventLoopGroup.any().makePromise(of: RESPValue.self)
                state = .connecting([(command, promise)])
                return .connect(promise)
            case .connecting(var queue):
                guard queue.count < maximumQueued else {
                    return .fail(RedisError(code: .connectionFailed, message: "too many commands wait for the Redis connection"))
                }
                let promise = eventLoopGroup.any().makePromise(of: RESPValue.self)
                queue.append((command, promise))
                state = .connecting(queue)
                return .wait(promise.futureResult)
            case .idle(let retryAfter):
                if let retryAfter, retryAfter > .now() {
                    return .fail(RedisError(code: .connectionFailed, message: "Redis is unreachable; retrying later"))
                }
                let promise = eventLoopGroup.any().makePromise(of: RESPValue.self)
                state = .connecting([(command, promise)])
                return .connect(promise)
            case .shutDown:
                return .fail(RedisError(code: .clientShutdown, message: "the cluster node was shut down"))
            }
        }
        switch step {
        case .send(let connection): return connection.send(command)
        case .wait(let future): return future
        case .connect(let promise):
            connect()
            return promise.futureResult
        case .fail(let error): return eventLoopGroup.any().makeFailedFuture(error)
        }
    }

    private func connect() {
        let loop = eventLoopGroup.any()
        RedisConnection.connect(configuration: configuration, eventLoop: loop, logger: logger).whenComplete { result in
            switch result {
            case .success(let connection):
                self.failures.withLockedValue { $0 = 0 }
                let queued: [(RESPCommand, EventLoopPromise<RESPValue>)]? = self.state.withLockedValue { state in
                    guard case .connecting(let queue) = state else { return nil }
                    state = .connected(connection)
                    // Sent under the lock: nothing queued later can overtake them.
                    for (command, promise) in queue { connection.send(command).cascade(to: promise) }
                    return queue
                }
                if queued == nil {
                    connection.close()
                    return
                }
                connection.closeFuture.whenComplete { _ in
                    self.state.withLockedValue { state in
                        if case .connected(let current) = state, current === connection { state = .idle(retryAfter: nil) }
                    }
                }
            case .failure(let error):
                let failures = self.failures.withLockedValue { count in
                    count += 1
                    return count
                }
                let delay = Self.delay(afterFailures: failures, base: self.configuration.reconnectBaseDelay, maximum: self.configuration.reconnectMaxDelay)
                self.logger.debug("cluster redis connection failed", metadata: ["redis.error": "\(error)"])
                let queued: [(RESPCommand, EventLoopPromise<RESPValue>)] = self.state.withLockedValue { state in
                    guard case .connecting(let queue) = state else { return [] }
                    state = .idle(retryAfter: .now() + delay)
                    return queue
                }
                let failure = error as? RedisError ?? RedisError(code: .connectionFailed, message: "\(error)", underlying: error)
                for (_, promise) in queued { promise.fail(failure) }
            }
        }
    }

    static func delay(afterFailures failures: Int, base: Duration, maximum: Duration) -> TimeAmount {
        var delay = base
        for _ in 1..<min(max(failures, 1), 32) where delay < maximum { delay *= 2 }
        return TimeAmount(min(delay, maximum))
    }

    /// Closes the connection after its pending replies; later commands fail.
    func shutdown() async {
        let connection: RedisConnection? = state.withLockedValue { state in
            defer { state = .shutDown }
            switch state {
            case .connected(let connection): return connection
            case .connecting(let queue):
                for (_, promise) in queue { promise.fail(RedisError(code: .clientShutdown, message: "the cluster node was shut down")) }
                return nil
            case .idle, .shutDown: return nil
            }
        }
        await connection?.close()
    }
}
