import ChatStore
import NIOCore
import RESP

/// Decodes stream entries (`[id, [field, value, …]]`) written by ``RedisHotStore`` into messages.
enum RedisStreamEntry {
    /// Field names in stream entries.
    static let room = "r", clientMessageID = "c", sender = "s", body = "b", metadata = "m"

    /// Parses a stream ID `"<ms>-<seq>"` into a ``MessageID``.
    static func messageID(_ value: RESPValue?) throws(ChatStoreError) -> MessageID {
        guard let text = value?.string, let id = MessageID(text) else {
            throw ChatStoreError(.malformedRecord, "Redis stream entry ID \(value.map { "\($0)" } ?? "nil") is not a message ID")
        }
        return id
    }

    /// Decodes an `XRANGE`/`XREVRANGE` reply.
    static func messages(from reply: RESPValue) throws(ChatStoreError) -> [StoredMessage] {
        guard let entries = reply.elements else {
            if reply.isNull { return [] }
            throw ChatStoreError(.malformedRecord, "Redis stream range reply is not an array: \(reply)")
        }
        var result: [StoredMessage] = []
        result.reserveCapacity(entries.count)
        for entry in entries { result.append(try message(from: entry)) }
        return result
    }

    /// Decodes one `[id, fields]` entry.
    static func message(from entry: RESPValue) throws(ChatStoreError) -> StoredMessage {
        guard let parts = entry.elements, parts.count == 2 else {
            throw ChatStoreError(.malformedRecord, "Redis stream entry is not [id, fields]: \(entry)")
        }
        let id = try messageID(parts[0])
        let fields = try fieldMap(parts[1], id: id)
        return try StoredMessage.fromRecord(
            rawID: id.rawValue,
            clientMessageID: fields[clientMessageID],
            room: fields[room],
            sender: fields[sender],
            body: fields[body],
            createdAt: Int64(id.milliseconds),
            editedAt: nil,
            deletedAt: nil,
            metadataJSON: fields[metadata]
        )
    }

    private static func fieldMap(_ value: RESPValue, id: MessageID) throws(ChatStoreError) -> [String: String] {
        var fields: [String: String] = [:]
        switch value {
        case .map(let pairs):
            for pair in pairs {
                guard let key = pair.key.string, let value = pair.value.string else {
                    throw ChatStoreError(.malformedRecord, "Redis stream entry \(id) has a non-string field")
                }
                fields[key] = value
            }
        default:
            guard let flat = value.elements, flat.count % 2 == 0 else {
                throw ChatStoreError(.malformedRecord, "Redis stream entry \(id) fields are not key/value pairs")
            }
            var index = 0
            while index < flat.count {
                guard let key = flat[index].string, let value = flat[index + 1].string else {
                    throw ChatStoreError(.malformedRecord, "Redis stream entry \(id) has a non-string field")
                }
                fields[key] = value
                index += 2
            }
        }
        return fields
    }
}
