import SwitchboardJSON

/// Typed reads of a client → server event payload; a missing or mistyped field is `bad_request`.
struct EventPayload: Sendable {
    let value: JSONValue

    func string(_ key: String) throws(ChatError) -> String {
        guard let string = value[key]?.stringValue else { throw ChatError(.badRequest, "\(key) must be a string") }
        return string
    }

    func optionalString(_ key: String) throws(ChatError) -> String? {
        guard let field = value[key], !field.isNull else { return nil }
        guard let string = field.stringValue else { throw ChatError(.badRequest, "\(key) must be a string") }
        return string
    }

    func optionalInt(_ key: String) throws(ChatError) -> Int? {
        guard let field = value[key], !field.isNull else { return nil }
        guard let number = field.intValue, let int = Int(exactly: number) else {
            throw ChatError(.badRequest, "\(key) must be a whole number")
        }
        return int
    }

    func optionalBool(_ key: String) throws(ChatError) -> Bool? {
        guard let field = value[key], !field.isNull else { return nil }
        guard let bool = field.boolValue else { throw ChatError(.badRequest, "\(key) must be true or false") }
        return bool
    }
}
