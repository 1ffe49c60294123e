import Testing

@testable import EngineIO

@Suite("The handshake kept per session: packed header fields, query decoded from the URL")
struct EngineHandshakeTests {
    static let fields: [(name: String, value: String)] = [
        ("Host", "127.0.0.1:3000"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("X-Empty", ""), ("x-dup", "1"), ("X-Dup", "2"), ("Cookie", "ünïcödé=✓"),
    ]

    static func serverHandshake(url: String = "/socket.io/?EIO=4&transport=websocket&token=a%20b+c") -> EngineHandshake {
        EngineHandshake(url: url, headerFields: fields, remoteAddress: "127.0.0.1", isSecure: false, issuedAtMilliseconds: 7)
    }

    static func pairs(_ fields: [(name: String, value: String)]) -> [String] { fields.map { "\($0.name)=\($0.value)" } }

    @Test func packedFieldsComeBackInArrivalOrderWithNamesAsSent() {
        #expect(Self.pairs(EngineHeaderFields(Self.fields).fields) == Self.pairs(Self.fields))
        #expect(EngineHeaderFields([]).fields.isEmpty)
    }

    @Test func fieldsLongerThan254BytesUseTheLongLength() {
        let long = String(repeating: "v", count: 70_000)
        let fields: [(name: String, value: String)] = [("A", long), (String(repeating: "n", count: 255), "x"), ("B", "")]
        let packed = EngineHeaderFields(fields)
        #expect(Self.pairs(packed.fields) == Self.pairs(fields))
        #expect(packed.first(named: "a") == long)
        #expect(packed.first(named: "b") == "")
    }

    @Test func headerLookupIgnoresASCIICaseAndTakesTheFirstValue() {
        let handshake = Self.serverHandshake()
        #expect(handshake.header("sec-websocket-key") == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(handshake.header("HOST") == "127.0.0.1:3000")
        #expect(handshake.header("X-DUP") == "1")
        #expect(handshake.header("x-empty") == "")
        #expect(handshake.header("cookie") == "ünïcödé=✓")
        #expect(handshake.header("Hos") == nil)
        #expect(handshake.header("missing") == nil)
    }

    @Test func serverHandshakeQueryIsTheURLsDecodedQuery() {
        let handshake = Self.serverHandshake()
        #expect(handshake.query == ["EIO": "4", "transport": "websocket", "token": "a b c"])
        #expect(handshake.query == EngineRequestValidation.parseQuery(ofTarget: handshake.url).query)
        #expect(Self.pairs(handshake.headers) == Self.pairs(Self.fields))
    }

    @Test func publicInitKeepsItsOwnQueryAndHeaders() {
        let handshake = EngineHandshake(
            url: "/socket.io/?EIO=4", query: ["other": "x"], headers: [("A", "1")], remoteAddress: nil, isSecure: true,
            issuedAtMilliseconds: 1)
        #expect(handshake.query == ["other": "x"])
        #expect(Self.pairs(handshake.headers) == ["A=1"])
        #expect(handshake.isSecure)
    }

    @Test func settingQueryOrHeadersReplacesThem() {
        var handshake = Self.serverHandshake()
        handshake.query["extra"] = "1"
        #expect(handshake.query == ["EIO": "4", "transport": "websocket", "token": "a b c", "extra": "1"])
        handshake.headers = [("Only", "one")]
        #expect(Self.pairs(handshake.headers) == ["Only=one"])
        #expect(handshake.header("only") == "one")
        #expect(handshake.header("host") == nil)
    }

    @Test func urlIsKeptWithTheFieldsAndSettingHeadersKeepsIt() {
        var handshake = Self.serverHandshake(url: "/socket.io/?EIO=4&transport=websocket")
        #expect(handshake.url == "/socket.io/?EIO=4&transport=websocket")
        handshake.headers = [("A", "1")]
        #expect(handshake.url == "/socket.io/?EIO=4&transport=websocket")
        #expect(EngineHeaderFields(target: String(repeating: "/x", count: 200), Self.fields).target.count == 400)
        #expect(Self.pairs(EngineHeaderFields(target: "/t", Self.fields).fields) == Self.pairs(Self.fields))
    }

    @Test func changingTheURLKeepsTheQueryItHad() {
        var handshake = Self.serverHandshake(url: "/socket.io/?EIO=4&a=1")
        handshake.url = "/elsewhere?b=2"
        #expect(handshake.url == "/elsewhere?b=2")
        #expect(handshake.query == ["EIO": "4", "a": "1"])
    }

    @Test func pathOfTargetStopsAtTheQuery() {
        #expect(EngineRequestValidation.path(ofTarget: "/socket.io/?EIO=4") == "/socket.io/")
        #expect(EngineRequestValidation.path(ofTarget: "/plain") == "/plain")
        #expect(EngineRequestValidation.path(ofTarget: "/é?x=?") == "/é")
    }

    @Test func queryDecodingWithAndWithoutEscapes() {
        #expect(EngineRequestValidation.parseQuery(ofTarget: "/?a=plain&b=x%2By+z&c&a=2").query == ["a": "plain", "b": "x+y z", "c": ""])
        #expect(EngineRequestValidation.percentDecode("abc") == "abc")
        #expect(EngineRequestValidation.percentDecode("%E2%9C%93") == "✓")
    }
}
