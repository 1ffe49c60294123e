import ChatStore
import NIOConcurrencyHelpers
import NIOCore
import RESP
import SwitchboardRedis

/// A ``HotStore`` on Redis streams.
///
/// Keys (with the configured prefix `P`):
/// - `P:all`: one stream of every message, the backup job's feed; its entry IDs are the message IDs
///   (Redis assigns them, so they are time-ordered and unique across all servers sharing the Redis).
/// - `P:room:<room>`: one stream per room with the same entries and IDs, for history pages.
/// - `P:idem:<room length>:<room>:<clientMessageID>`: the idempotency key, holding the message ID, with a TTL.
/// - `P:changes`: a hash of the edited or deleted state of messages, by message ID (stream entries cannot
///   change); reads lay it over the entries in the same script, and trims remove it with the entries.
///
/// An append is one Lua script, so it is atomic: either the message is in both streams and its key is set,
/// or nothing happened. It is acknowledged once Redis replied; for acknowledged messages to survive a Redis
/// restart, run Redis with `appendonly yes` and `appendfsync always`. Single-node Redis only (the script
/// touches keys in different cluster slots).
public final class RedisHotStore: HotStore {
    /// The Redis client the store sends its commands through.
    public let client: RedisClient
    /// Key layout and bounds.
    public let configuration: RedisHotStoreConfiguration
    private let allKey: String
    private let changesKey: String

    /// Creates a store over `client`. Nothing is sent until the first call.
    public init(client: RedisClient, configuration: RedisHotStoreConfiguration = RedisHotStoreConfiguration()) {
        self.client = client
        self.configuration = configuration
        self.allKey = "\(configuration.keyPrefix):all"
        self.changesKey = "\(configuration.keyPrefix):changes"
    }

    func roomKey(_ room: String) -> String { "\(configuration.keyPrefix):room:\(room)" }

    func idempotencyKey(room: String, clientMessageID: String) -> String {
        "\(configuration.keyPrefix):idem:\(room.utf8.count):\(room):\(clientMessageID)"
    }

    /// KEYS: idempotency key, all stream, room stream.
    /// ARGV: room, clientMessageID, sender, body, metadata, idempotency TTL (s), room MAXLEN (0 = none).
    /// Returns `{1, id}` for a new message, `{0, id}` for a duplicate.
    static let appendScript = RedisScript(
        """
        local existing = redis.call('GET', KEYS[1])
        if existing then return {0, existing} end
        local id = redis.call('XADD', KEYS[2], '*', 'r', ARGV[1], 'c', ARGV[2], 's', ARGV[3], 'b', ARGV[4], 'm', ARGV[5])
        if tonumber(ARGV[7]) > 0 then
          redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], id, 'r', ARGV[1], 'c', ARGV[2], 's', ARGV[3], 'b', ARGV[4], 'm', ARGV[5])
        else
          redis.call('XADD', KEYS[3], id, 'r', ARGV[1], 'c', ARGV[2], 's', ARGV[3], 'b', ARGV[4], 'm', ARGV[5])
        end
        redis.call('SET', KEYS[1], id, 'EX', ARGV[6])
        return {1, id}
        """
    )

    public func append(_ message: NewMessage) async throws -> AppendResult {
        try configuration.limits.validate(message)
        let metadata = MetadataCoding.encode(message.metadata)
        let ttl = max(1, configuration.idempotencyWindow.components.seconds)
        let keys = [idempotencyKey(room: message.room, clientMessageID: message.clientMessageID), allKey, roomKey(message.room)]
        let arguments: [String] = [
            message.room, message.clientMessageID, message.sender, message.body, metadata,
            String(ttl), String(configuration.roomStreamMaxLength ?? 0),
        ]
        let deadline = ContinuousClock.now + configuration.appendRetryTimeout
        var delay = Duration.milliseconds(20)
        while true {
            do {
                let reply = try await Self.appendScript.evaluate(on: client, keys: keys, arguments: arguments)
                guard let parts = reply.elements, parts.count == 2, let flag = parts[0].integer else {
                    throw ChatStoreError(.malformedRecord, "append script answered \(reply)")
                }
                let id = try RedisStreamEntry.messageID(parts[1])
                guard flag == 0 else { return AppendResult(message: message.stored(as: id), isDuplicate: false) }
                // A repeat: answer with the message as stored (the first submission, with any change since),
                // or as submitted if it has been trimmed meanwhile.
                let earlier = try await self.message(id, in: message.room)
                return AppendResult(message: earlier ?? message.stored(as: id), isDuplicate: true)
            } catch let error as RedisError where Self.isTransient(error) && ContinuousClock.now + delay < deadline {
                // Idempotent, so retrying a command whose reply was lost cannot store the message twice.
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(1))
            } catch let error as RedisError {
                throw ChatStoreError(.unavailable, "Redis append failed", underlying: error)
            }
        }
    }

    public func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
        guard limit >= 1, limit <= 10_000 else {
            throw ChatStoreError(.invalidArgument, "page limit \(limit) is outside 1…10000")
        }
        let end = before.map { "(\($0)" } ?? "+"
        return try await read("XREVRANGE", roomKey(room), from: end, to: "-", count: limit)
    }

    public func pending(after checkpoint: MessageID?, limit: Int) async throws -> [StoredMessage] {
        guard limit >= 1, limit <= 1_000_000 else {
            throw ChatStoreError(.invalidArgument, "pending limit \(limit) is outside 1…1000000")
        }
        let start = checkpoint.map { "(\($0)" } ?? "-"
        return try await read("XRANGE", allKey, from: start, to: "+", count: limit)
    }

    public func message(_ id: MessageID, in room: String) async throws -> StoredMessage? {
        try await read("XRANGE", roomKey(room), from: "\(id)", to: "\(id)", count: 1).first
    }

    /// Reads the message with its current change, computes the new state in Swift and stores it with a
    /// compare-and-set script, reading again if another writer changed it in between.
    public func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
        for _ in 0..<16 {
            guard let stored = try await message(id, in: room) else { return nil }
            let changed = stored.applying(change)
            if changed == stored { return stored }
            let expected = stored.editedAt == nil && stored.deletedAt == nil ? "-" : "=" + RedisMessageChanges.encode(stored)
            let reply = try await evaluate(
                RedisMessageChanges.compareAndSetScript, keys: [roomKey(room), changesKey],
                arguments: ["\(id)", expected, RedisMessageChanges.encode(changed)]
            )
            switch reply.integer {
            case 1: return changed
            case -1: return nil
            case 0: continue
            default: throw ChatStoreError(.malformedRecord, "change script answered \(reply)")
            }
        }
        throw ChatStoreError(.unavailable, "message \(id) kept changing; change not applied")
    }

    /// Trims every room stream that holds messages up to `id`, then the feed stream. Idempotent: after an
    /// interruption the next call finishes the job.
    public func trim(upTo id: MessageID) async throws {
        let threshold = id.sequence < MessageID.maxSequence
            ? MessageID(milliseconds: id.milliseconds, sequence: id.sequence + 1)!
            : MessageID(milliseconds: id.milliseconds + 1, sequence: 0)!
        // Find the rooms that hold trimmed messages, from the feed, in chunks.
        var rooms: Set<String> = []
        var ids: [String] = []
        var start = "-"
        while true {
            let reply = try await send(RESPCommand("XRANGE", allKey, start, "\(id)", "COUNT", 2_000))
            guard let entries = reply.elements, !entries.isEmpty else { break }
            for entry in entries {
                if let id = entry.elements?.first?.string { ids.append(id) }
                // Only the room field is needed; malformed entries are trimmed regardless.
                if let fields = entry.elements?.last?.elements {
                    var index = 0
                    while index + 1 < fields.count {
                        if fields[index].string == RedisStreamEntry.room, let room = fields[index + 1].string { rooms.insert(room) }
                        index += 2
                    }
                }
            }
            guard entries.count == 2_000, let last = entries.last?.elements?.first?.string else { break }
            start = "(\(last)"
        }
        // One XTRIM per room, up to 32 in flight on the pipelined client rather than one round trip each.
        try await withThrowingTaskGroup(of: Void.self) { group in
            var waiting = rooms.makeIterator()
            func trimNext() -> Bool {
                guard let room = waiting.next() else { return false }
                let key = roomKey(room)
                group.addTask { try await self.send(RESPCommand("XTRIM", key, "MINID", "\(threshold)")) }
                return true
            }
            for _ in 0..<32 { guard trimNext() else { break } }
            while try await group.next() != nil { _ = trimNext() }
        }
        // Changes go before the feed entries that name them, so an interrupted trim leaves none behind.
        if !ids.isEmpty, try await send(RESPCommand("EXISTS", changesKey)).integer == 1 {
            var first = 0
            while first < ids.count {
                let chunk = ids[first..<min(first + 1_000, ids.count)]
                try await send(RESPCommand("HDEL", arguments: [changesKey] + chunk))
                first += chunk.count
            }
        }
        try await send(RESPCommand("XTRIM", allKey, "MINID", "\(threshold)"))
    }

    // MARK: Helpers

    /// A stream range with each message's change laid over it, in one round trip.
    private func read(_ command: String, _ stream: String, from start: String, to end: String, count: Int) async throws -> [StoredMessage] {
        let reply = try await evaluate(
            RedisMessageChanges.readScript, keys: [stream, changesKey], arguments: [command, start, end, String(count)]
        )
        guard let parts = reply.elements, let entriesReply = parts.first else {
            throw ChatStoreError(.malformedRecord, "read script answered \(reply)")
        }
        var messages = try RedisStreamEntry.messages(from: entriesReply)
        if parts.count == 2 {
            guard let changes = parts[1].elements, changes.count == messages.count else {
                throw ChatStoreError(.malformedRecord, "read script answered \(parts[1])")
            }
            for index in messages.indices {
                messages[index] = try RedisMessageChanges.overlay(changes[index], on: messages[index])
            }
        }
        return messages
    }

    private func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws(ChatStoreError) -> RESPValue {
        do {
            return try await script.evaluate(on: client, keys: keys, arguments: arguments)
        } catch let error as ChatStoreError {
            throw error
        } catch {
            throw ChatStoreError(.unavailable, "Redis script failed", underlying: error)
        }
    }

    @discardableResult
    private func send(_ command: RESPCommand) async throws(ChatStoreError) -> RESPValue {
        do {
            return try await client.send(command)
        } catch {
            throw ChatStoreError(.unavailable, "Redis \(command.name) failed", underlying: error)
        }
    }

    private static func isTransient(_ error: RedisError) -> Bool {
        switch error.code {
        case .connectionClosed, .connectionFailed, .timeout: true
        default: false
        }
    }
}
