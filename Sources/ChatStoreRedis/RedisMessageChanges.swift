import ChatStore
import RESP

/// How ``RedisHotStore`` keeps edits and deletes: stream entries cannot change, so the changed state of a
/// message lives in one hash (`P:changes`, field = message ID) and is laid over the entry when read.
///
/// A value is `"<editedAt>,<deletedAt>,<body>"`, each time empty when absent.
enum RedisMessageChanges {
    /// Encodes the changed part of `message`.
    static func encode(_ message: StoredMessage) -> String {
        "\(message.editedAt.map(String.init) ?? ""),\(message.deletedAt.map(String.init) ?? ""),\(message.body)"
    }

    /// Lays an encoded change (or `nil`/null: none) over `message`.
    static func overlay(_ value: RESPValue?, on message: StoredMessage) throws(ChatStoreError) -> StoredMessage {
        guard let value, !value.isNull, value != .boolean(false) else { return message }
        guard let text = value.string else {
            throw ChatStoreError(.malformedRecord, "Redis change of \(message.id) is not a string: \(value)")
        }
        let parts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        func time(_ part: Substring) throws(ChatStoreError) -> Int64? {
            if part.isEmpty { return nil }
            guard let value = Int64(part), value >= 0 else {
                throw ChatStoreError(.malformedRecord, "Redis change of \(message.id) has a bad time \"\(part)\"")
            }
            return value
        }
        guard parts.count == 3 else { throw ChatStoreError(.malformedRecord, "Redis change of \(message.id) is malformed") }
        var changed = message
        changed.editedAt = try time(parts[0])
        changed.deletedAt = try time(parts[1])
        changed.body = String(parts[2])
        return changed
    }

    /// KEYS: stream, changes hash. ARGV: `XRANGE` or `XREVRANGE`, start, end, count.
    /// Returns `{entries}` when no message has changes, else `{entries, changes}` with one change (or
    /// null) per entry.
    static let readScript = RedisScript(
        """
        local entries = redis.call(ARGV[1], KEYS[1], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
        if #entries == 0 or redis.call('EXISTS', KEYS[2]) == 0 then return {entries} end
        local changes = {}
        local first = 1
        while first <= #entries do
          local ids = {}
          for i = first, math.min(first + 999, #entries) do ids[#ids + 1] = entries[i][1] end
          local values = redis.call('HMGET', KEYS[2], unpack(ids))
          for i = 1, #ids do changes[#changes + 1] = values[i] end
          first = first + 1000
        end
        return {entries, changes}
        """
    )

    /// KEYS: room stream, changes hash. ARGV: message ID, expected current change (`-` for none, else `=`
    /// and the value), new value. Returns -1 when the message is gone, 0 when the change moved meanwhile
    /// (read again), 1 when stored.
    static let compareAndSetScript = RedisScript(
        """
        if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1], 'COUNT', 1) == 0 then return -1 end
        local current = redis.call('HGET', KEYS[2], ARGV[1])
        local expected = ARGV[2]
        if current then
          if expected ~= '=' .. current then return 0 end
        elseif expected ~= '-' then
          return 0
        end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
        return 1
        """
    )
}
