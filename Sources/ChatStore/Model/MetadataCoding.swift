import SwitchboardJSON

/// Encodes message metadata as a JSON object of strings, with keys sorted so the text is deterministic.
package enum MetadataCoding {
    /// `{"k":"v",...}` with sorted keys; `{}` when empty.
    package static func encode(_ metadata: [String: String]) -> String {
        if metadata.isEmpty { return "{}" }
        let object = JSONObject(metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
        return JSONValue.object(object).jsonString
    }

    /// Parses what ``encode(_:)`` wrote; throws ``ChatStoreError/Code/malformedRecord`` for anything that is
    /// not a JSON object whose values are all strings.
    package static func decode(_ text: String) throws(ChatStoreError) -> [String: String] {
        if text == "{}" || text.isEmpty { return [:] }
        let value: JSONValue
        do {
            value = try JSONParser(maximumBytes: 1 << 20, maximumDepth: 2).parse(text)
        } catch {
            throw ChatStoreError(.malformedRecord, "metadata is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw ChatStoreError(.malformedRecord, "metadata is not a JSON object")
        }
        var result: [String: String] = [:]
        result.reserveCapacity(object.count)
        for (key, member) in object.members {
            guard let string = member.stringValue else {
                throw ChatStoreError(.malformedRecord, "metadata value for \"\(key)\" is not a string")
            }
            result[key] = string
        }
        return result
    }
}
