import Testing

@testable import EngineIO

@Suite struct EngineRequestValidationTests {
    let both: Set<EngineTransportKind> = [.polling, .websocket]

    func classify(_ method: String, _ target: String, upgrade: Bool = false, transports: Set<EngineTransportKind>? = nil)
        -> Result<EngineRequestTarget, EngineRequestError>
    {
        EngineRequestValidation.classify(
            method: method, query: EngineRequestValidation.parseQuery(ofTarget: target).query, isWebSocketUpgrade: upgrade,
            transports: transports ?? both)
    }

    @Test func pollingHandshakeIsAGetWithoutSid() {
        #expect(classify("GET", "/engine.io/?EIO=4&transport=polling") == .success(.handshake(.polling)))
    }

    @Test func webSocketHandshakeNeedsAnUpgrade() {
        #expect(classify("GET", "/?EIO=4&transport=websocket", upgrade: true) == .success(.handshake(.websocket)))
        #expect(classify("GET", "/?EIO=4&transport=websocket") == .failure(.badRequest))
        #expect(classify("GET", "/?EIO=4&transport=polling", upgrade: true) == .failure(.badRequest))
    }

    @Test func missingOrUnknownTransportIsCode0() {
        #expect(classify("GET", "/?EIO=4") == .failure(.unknownTransport))
        #expect(classify("GET", "/?EIO=4&transport=abc") == .failure(.unknownTransport))
        #expect(classify("GET", "/?EIO=4&transport=websocket", upgrade: true, transports: [.polling]) == .failure(.unknownTransport))
    }

    @Test func missingOrOtherEIOIsCode5() {
        #expect(classify("GET", "/?transport=polling") == .failure(.unsupportedProtocolVersion))
        #expect(classify("GET", "/?EIO=abc&transport=polling") == .failure(.unsupportedProtocolVersion))
        #expect(classify("GET", "/?EIO=3&transport=polling") == .failure(.unsupportedProtocolVersion))
    }

    @Test func handshakeWithAnotherMethodIsCode2() {
        #expect(classify("POST", "/?EIO=4&transport=polling") == .failure(.badHandshakeMethod))
        #expect(classify("PUT", "/?EIO=4&transport=polling") == .failure(.badHandshakeMethod))
    }

    @Test func requestsWithSidArePollsPostsOrUpgrades() {
        #expect(classify("GET", "/?EIO=4&transport=polling&sid=abc") == .success(.poll(sid: "abc")))
        #expect(classify("POST", "/?EIO=4&transport=polling&sid=abc") == .success(.post(sid: "abc")))
        #expect(classify("GET", "/?EIO=4&transport=websocket&sid=abc", upgrade: true) == .success(.upgrade(sid: "abc")))
        #expect(classify("PUT", "/?EIO=4&transport=polling&sid=abc") == .failure(.badRequest))
        #expect(classify("GET", "/?EIO=4&transport=websocket&sid=abc") == .failure(.badRequest))
    }

    @Test func optionsIsAPreflight() {
        #expect(classify("OPTIONS", "/?EIO=4&transport=polling") == .success(.preflight))
    }

    @Test func errorsCarryEngineIOCodesStatusAndJSON() {
        #expect(EngineRequestError.unknownSessionID.jsonBody == "{\"code\":1,\"message\":\"Session ID unknown\"}")
        #expect(EngineRequestError.badRequest.httpStatus == 400)
        #expect(EngineRequestError.forbidden("no \"way\"").httpStatus == 403)
        #expect(EngineRequestError.forbidden("no \"way\"").jsonBody == "{\"code\":4,\"message\":\"no \\\"way\\\"\"}")
    }

    @Test func queryParsingDecodesPercentAndPlusAndKeepsTheFirstValue() {
        let (path, query) = EngineRequestValidation.parseQuery(ofTarget: "/socket.io/?a=1&a=2&b=x%20y+z&c&d=%E2%82%AC")
        #expect(path == "/socket.io/")
        #expect(query == ["a": "1", "b": "x y z", "c": "", "d": "€"])
        #expect(EngineRequestValidation.parseQuery(ofTarget: "/p").query.isEmpty)
    }

    @Test func oneValueIsLookedUpAsTheDictionaryWouldGiveIt() {
        let targets = [
            "/socket.io/?EIO=4&transport=websocket", "/socket.io/?EIO=4&transport=websocket&sid=abc",
            "/?sid=first&sid=second", "/?s%69d=escaped+name&sid=later", "/?sid", "/?sid=a%20b", "/no-query", "/?&&sid=&x",
            "/?sidx=1&xsid=2",
        ]
        for target in targets {
            for name in ["sid", "EIO", "transport", "x", "missing"] {
                #expect(
                    EngineRequestValidation.queryValue(named: name, inTarget: target)
                        == EngineRequestValidation.parseQuery(ofTarget: target).query[name], "\(name) in \(target)")
            }
        }
        #expect(EngineRequestValidation.queryValue(named: "sid", inTarget: "/?s%69d=escaped+name&sid=later") == "escaped name")
    }

    @Test func queryParsingEdgeCases() {
        let parse = { EngineRequestValidation.parseQuery(ofTarget: $0).query }
        #expect(parse("/?&&a=1&&") == ["a": "1"], "empty pairs are skipped")
        #expect(parse("/?") == [:])
        #expect(parse("/?=x&a=b=c") == ["": "x", "a": "b=c"], "the first = splits; an empty name is kept")
        #expect(parse("/?a=%zz&b=%4&c=50%") == ["a": "%zz", "b": "%4", "c": "50%"], "bad escapes stay as they are")
        #expect(parse("/?k%3D=v%26w&%2B=+") == ["k=": "v&w", "+": " "], "escaped separators are not separators")
        #expect(parse("/?é=ü&bad=%FF") == ["é": "ü", "bad": "\u{FFFD}"], "raw UTF-8 kept; invalid bytes replaced")
        #expect(EngineRequestValidation.parseQuery(ofTarget: "/a/b?x=1?y").path == "/a/b")
        #expect(parse("/a/b?x=1?y") == ["x": "1?y"])
    }
}

@Suite struct EngineConfigurationTests {
    @Test func openPacketHasExactlyTheFiveKeysInOrder() {
        let configuration = EngineConfiguration(pingInterval: 300, pingTimeout: 200)
        #expect(
            EngineOpenPacket.json(sid: "abc", upgrades: configuration.upgrades(from: .polling), configuration: configuration)
                == "{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":300,\"pingTimeout\":200,\"maxPayload\":1000000}")
        #expect(
            EngineOpenPacket.json(sid: "abc", upgrades: configuration.upgrades(from: .websocket), configuration: configuration)
                == "{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":300,\"pingTimeout\":200,\"maxPayload\":1000000}")
    }

    @Test func upgradesAreEmptyWhenDisabled() {
        #expect(EngineConfiguration(allowUpgrades: false).upgrades(from: .polling) == [])
        #expect(EngineConfiguration(transports: [.polling]).upgrades(from: .polling) == [])
    }

    @Test func defaultsMatchEngineIO() {
        let configuration = EngineConfiguration()
        #expect(configuration.pingInterval == 25_000)
        #expect(configuration.pingTimeout == 20_000)
        #expect(configuration.maxPayload == 1_000_000)
        #expect(configuration.upgradeTimeout == 10_000)
    }

    @Test func corsEchoesAllowedOriginsOnly() {
        let none = EngineCORSConfiguration()
        #expect(none.responseHeaders(origin: "https://a.example").isEmpty)
        let list = EngineCORSConfiguration(origin: .list(["https://a.example"]))
        #expect(list.responseHeaders(origin: "https://b.example").isEmpty)
        #expect(list.responseHeaders(origin: "https://a.example").map(\.name) == ["Access-Control-Allow-Origin", "Vary"])
        let any = EngineCORSConfiguration.anyOriginWithCredentials
        let headers = any.responseHeaders(origin: "https://c.example")
        #expect(headers.first { $0.name == "Access-Control-Allow-Origin" }?.value == "https://c.example")
        #expect(headers.first { $0.name == "Access-Control-Allow-Credentials" }?.value == "true")
        #expect(any.responseHeaders(origin: nil).isEmpty)
    }

    @Test func preflightAnnouncesMethodsHeadersAndMaxAge() {
        let cors = EngineCORSConfiguration(origin: .any, methods: ["GET", "POST"], allowedHeaders: ["x-a", "x-b"], maxAge: 600)
        let headers = cors.preflightHeaders(origin: "https://a.example", requestedHeaders: "content-type")
        #expect(headers.first { $0.name == "Access-Control-Allow-Methods" }?.value == "GET,POST")
        #expect(headers.first { $0.name == "Access-Control-Allow-Headers" }?.value == "x-a,x-b")
        #expect(headers.first { $0.name == "Access-Control-Max-Age" }?.value == "600")
    }
}

@Suite("The open packet and JSON quoting")
struct EngineOpenPacketTests {
    @Test func theBodyFromAPrecomputedSuffixIsTheFullBody() {
        let configuration = EngineConfiguration(pingInterval: 25_000, pingTimeout: 20_000)
        for transport in [EngineTransportKind.polling, .websocket] {
            let upgrades = configuration.upgrades(from: transport)
            let suffix = EngineOpenPacket.suffix(upgrades: upgrades, configuration: configuration)
            #expect(
                EngineOpenPacket.json(sid: "AbC-_09xyzAbC-_09xyz", suffix: suffix)
                    == EngineOpenPacket.json(sid: "AbC-_09xyzAbC-_09xyz", upgrades: upgrades, configuration: configuration))
        }
        #expect(
            EngineOpenPacket.json(sid: "s", suffix: EngineOpenPacket.suffix(upgrades: [], configuration: configuration))
                == "{\"sid\":\"s\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}")
    }

    @Test func quotingEscapesOnlyWhatJSONRequires() {
        #expect(JSONString.quote("plain id-_09 é") == "\"plain id-_09 é\"")
        #expect(JSONString.quote("") == "\"\"")
        #expect(JSONString.quote("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(JSONString.quote("l1\nl2\r\t\u{01}") == "\"l1\\nl2\\r\\t\\u0001\"")
    }
}
