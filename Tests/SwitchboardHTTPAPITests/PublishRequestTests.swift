import SocketIO
import SwitchboardHTTPAPI
import SwitchboardJSON
import Testing

@Suite("Publish request body")
struct PublishRequestTests {
    private func parse(_ text: String) throws(PublishAPIError) -> PublishRequest {
        try PublishRequest(json: try! JSONParser().parse(text))
    }

    private func rejection(_ text: String) -> PublishAPIError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func eventAloneGoesToEverySocketOfTheMainNamespaceWithoutArguments() throws {
        let request = try parse(#"{"event":"news"}"#)
        #expect(request == PublishRequest(namespace: "/", event: "news", data: [], target: .all, except: []))
        #expect(request.broadcastOptions == SocketIOBroadcastOptions())
    }

    @Test func everyFieldIsRead() throws {
        let request = try parse(
            #"{"namespace":"/chat","event":"say","data":[1,"two",{"3":[true]}],"rooms":["a","b","a"],"except":["muted"]}"#)
        #expect(request.namespace == "/chat")
        #expect(request.event == "say")
        #expect(request.data == [1, "two", ["3": [true]]])
        #expect(request.target == .rooms(["a", "b"]))
        #expect(request.except == ["muted"])
        #expect(request.broadcastOptions == SocketIOBroadcastOptions(rooms: ["a", "b"], except: ["muted"]))
    }

    @Test func socketIDTargetsTheRoomNamedAfterTheSocket() throws {
        let request = try parse(#"{"event":"dm","socketId":"abc","except":["x"]}"#)
        #expect(request.target == .socket("abc"))
        #expect(request.broadcastOptions == SocketIOBroadcastOptions(rooms: ["abc"], except: ["x"]))
    }

    @Test(arguments: [
        (#"[1]"#, "the body must be a JSON object"),
        (#"{}"#, "'event' is required"),
        (#"{"event":""}"#, "'event' must be a non-empty string"),
        (#"{"event":3}"#, "'event' must be a non-empty string"),
        (#"{"event":"connect"}"#, "'connect' is a reserved event name"),
        (#"{"event":"disconnect"}"#, "'disconnect' is a reserved event name"),
        (#"{"event":"e","namespace":"chat"}"#, "'namespace' must be a string starting with '/'"),
        (#"{"event":"e","namespace":1}"#, "'namespace' must be a string starting with '/'"),
        (#"{"event":"e","data":"x"}"#, "'data' must be an array of the event's arguments"),
        (#"{"event":"e","rooms":"lobby"}"#, "'rooms' must be an array of strings"),
        (#"{"event":"e","rooms":[]}"#, "'rooms' must not be empty (leave it out to reach every socket)"),
        (#"{"event":"e","rooms":["a",1]}"#, "'rooms' must contain only non-empty strings"),
        (#"{"event":"e","except":[""]}"#, "'except' must contain only non-empty strings"),
        (#"{"event":"e","socketId":""}"#, "'socketId' must be a non-empty string"),
        (#"{"event":"e","socketId":["a"]}"#, "'socketId' must be a non-empty string"),
        (#"{"event":"e","rooms":["a"],"socketId":"b"}"#, "give either 'rooms' or 'socketId', not both"),
        (#"{"event":"e","room":["a"]}"#, "unknown key 'room' (expected namespace, event, data, rooms, except, socketId)"),
    ])
    func invalidBodiesAreRefusedWithTheReason(body: String, message: String) {
        #expect(rejection(body) == PublishAPIError(.badRequest, message))
    }
}
