import ChatStore
import SwitchboardJSON

/// The JSON forms of the contract's objects.
extension ChatUser {
    /// `{"id", "username", "displayName"}`.
    var json: JSONValue {
        ["id": .string(id), "username": .string(username), "displayName": .string(displayName)]
    }

    /// Reads the form ``json`` writes; `nil` if a field is missing or not a string.
    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let username = json["username"]?.stringValue,
            let displayName = json["displayName"]?.stringValue
        else { return nil }
        self.init(id: id, username: username, displayName: displayName)
    }
}

extension RoomView {
    /// The contract's `Room`.
    var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "name": .string(name), "kind": .string(kind.rawValue),
        ]
        if let members { object["members"] = .array(members.map(JSONValue.string)) }
        if let peer { object["peer"] = peer.json }
        object["unread"] = .int(Int64(unread))
        if let lastMessageID { object["lastMessageId"] = .string(lastMessageID.description) }
        object["joined"] = .bool(joined)
        return .object(object)
    }
}

extension MessageView {
    /// The contract's `Message`.
    var json: JSONValue {
        var object: JSONObject = [
            "id": .string(stored.id.description),
            "clientMessageId": .string(stored.clientMessageID),
            "roomId": .string(stored.room),
            "sender": sender.json,
            "text": .string(stored.deletedAt == nil ? stored.body : ""),
            "createdAt": .int(stored.createdAt),
        ]
        if let editedAt = stored.editedAt { object["editedAt"] = .int(editedAt) }
        if stored.deletedAt != nil { object["deleted"] = .bool(true) }
        let mentions = self.mentions
        if !mentions.isEmpty { object["mentions"] = .array(mentions.map(JSONValue.string)) }
        return .object(object)
    }
}

extension ChatError {
    /// `{"code", "message"}` plus `"retryAfterMs"` when rate limited.
    var json: JSONValue {
        var object: JSONObject = ["code": .string(code.rawValue), "message": .string(message)]
        if let retryAfterMilliseconds { object["retryAfterMs"] = .int(retryAfterMilliseconds) }
        return .object(object)
    }

    /// The acknowledgement `{"ok": false, "error": {...}}`.
    var ack: JSONValue { ["ok": false, "error": json] }
}

/// Builds the acknowledgement `{"ok": true, ...fields}`.
func okAck(_ fields: JSONObject = [:]) -> JSONValue {
    var object: JSONObject = ["ok": true]
    for (key, value) in fields { object[key] = value }
    return .object(object)
}
