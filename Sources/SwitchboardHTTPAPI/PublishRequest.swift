import SocketIO
import SwitchboardJSON

/// One event to emit, as a backend asked for it through the publish API.
///
/// The JSON body is
/// `{"namespace": "/", "event": "news", "data": [...], "rooms": [...], "except": [...], "socketId": "..."}`:
/// `event` is required; `namespace` defaults to `/`, `data` (the event's arguments) to `[]`; without
/// `rooms` and `socketId` every socket of the namespace receives the event. Unknown keys are refused, so a
/// misspelt `room` cannot turn into a broadcast to everyone.
public struct PublishRequest: Sendable, Hashable {
    /// Whom the event goes to.
    public enum Target: Sendable, Hashable {
        /// Every socket of the namespace.
        case all
        /// The members of any of these rooms (a set, never empty).
        case rooms(Set<String>)
        /// One socket, by its Socket.IO id.
        case socket(String)
    }

    /// The namespace, starting with `/`.
    public var namespace: String
    /// The event name.
    public var event: String
    /// The event's arguments.
    public var data: [JSONValue]
    /// The recipients before exceptions.
    public var target: Target
    /// Rooms (or socket ids) whose members are skipped.
    public var except: Set<String>

    /// Creates a request.
    public init(namespace: String = "/", event: String, data: [JSONValue] = [], target: Target = .all, except: Set<String> = []) {
        self.namespace = namespace
        self.event = event
        self.data = data
        self.target = target
        self.except = except
    }

    static let knownKeys: Set<String> = ["namespace", "event", "data", "rooms", "except", "socketId"]

    /// Reads a request from a parsed JSON body; throws ``PublishAPIError/Code/badRequest`` naming the first
    /// problem found.
    public init(json: JSONValue) throws(PublishAPIError) {
        guard let object = json.objectValue else { throw Self.bad("the body must be a JSON object") }
        if let unknown = object.keys.first(where: { !Self.knownKeys.contains($0) }) {
            throw Self.bad("unknown key '\(unknown)' (expected namespace, event, data, rooms, except, socketId)")
        }
        namespace = try Self.namespace(object["namespace"])
        event = try Self.event(object["event"])
        switch object["data"] {
        case nil: data = []
        case .array(let arguments)?: data = arguments
        default: throw Self.bad("'data' must be an array of the event's arguments")
        }
        let rooms = try Self.names(object["rooms"], key: "rooms")
        except = try Self.names(object["except"], key: "except") ?? []
        switch (rooms, object["socketId"]) {
        case (nil, nil): target = .all
        case (let rooms?, nil):
            guard !rooms.isEmpty else { throw Self.bad("'rooms' must not be empty (leave it out to reach every socket)") }
            target = .rooms(rooms)
        case (nil, let socketID?):
            guard let id = socketID.stringValue, !id.isEmpty else { throw Self.bad("'socketId' must be a non-empty string") }
            target = .socket(id)
        case (_?, _?): throw Self.bad("give either 'rooms' or 'socketId', not both")
        }
    }

    private static func namespace(_ value: JSONValue?) throws(PublishAPIError) -> String {
        guard let value else { return "/" }
        guard let name = value.stringValue, name.hasPrefix("/") else {
            throw bad("'namespace' must be a string starting with '/'")
        }
        return name
    }

    private static func event(_ value: JSONValue?) throws(PublishAPIError) -> String {
        guard let value else { throw bad("'event' is required") }
        guard let name = value.stringValue, !name.isEmpty else { throw bad("'event' must be a non-empty string") }
        guard !SocketIOPacketDecoder.reservedEventNames.contains(name) else {
            throw bad("'\(name)' is a reserved event name")
        }
        return name
    }

    private static func names(_ value: JSONValue?, key: String) throws(PublishAPIError) -> Set<String>? {
        guard let value else { return nil }
        guard let array = value.arrayValue else { throw bad("'\(key)' must be an array of strings") }
        var names = Set<String>()
        for element in array {
            guard let name = element.stringValue, !name.isEmpty else {
                throw bad("'\(key)' must contain only non-empty strings")
            }
            names.insert(name)
        }
        return names
    }

    private static func bad(_ message: String) -> PublishAPIError { PublishAPIError(.badRequest, message) }

    /// The broadcast selection for this request.
    public var broadcastOptions: SocketIOBroadcastOptions {
        switch target {
        case .all: SocketIOBroadcastOptions(except: except)
        case .rooms(let rooms): SocketIOBroadcastOptions(rooms: rooms, except: except)
        // Every socket is a member of the room named by its id.
        case .socket(let id): SocketIOBroadcastOptions(rooms: [id], except: except)
        }
    }
}
