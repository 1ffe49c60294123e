import Testing

@testable import SwitchboardWebSocket

@Suite struct PerMessageDeflateNegotiationTests {
    func header(_ offers: String, preferred: PerMessageDeflate.Configuration = .init()) -> String? {
        PerMessageDeflate.negotiate(offers: offers, preferred: preferred)?.responseHeader
    }

    @Test func acceptsAnOfferWithoutParameters() throws {
        let result = try #require(PerMessageDeflate.negotiate(offers: "permessage-deflate"))
        #expect(result.responseHeader == "permessage-deflate")
        #expect(result.configuration == PerMessageDeflate.Configuration())
    }

    @Test func acceptsClientMaxWindowBitsWithoutValueAndLeavesItOut() {
        #expect(header("permessage-deflate; client_max_window_bits") == "permessage-deflate")
    }

    @Test func answersServerMaxWindowBitsWithTheOfferedValue() throws {
        let result = try #require(PerMessageDeflate.negotiate(offers: "permessage-deflate; server_max_window_bits=10"))
        #expect(result.responseHeader == "permessage-deflate; server_max_window_bits=10")
        #expect(result.configuration.serverMaxWindowBits == 10)
    }

    @Test func answersServerMaxWindowBits15BecauseTheOfferHadIt() {
        #expect(header("permessage-deflate; server_max_window_bits=15") == "permessage-deflate; server_max_window_bits=15")
    }

    @Test func agreesToNoContextTakeoverInBothDirections() throws {
        let result = try #require(
            PerMessageDeflate.negotiate(offers: "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        )
        #expect(result.responseHeader == "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        #expect(result.configuration.serverNoContextTakeover)
        #expect(result.configuration.clientNoContextTakeover)
    }

    @Test func acceptsTheAutobahnOfferWithAnEightBitServerWindow() throws {
        let offer = "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=8"
        let result = try #require(PerMessageDeflate.negotiate(offers: offer))
        #expect(result.responseHeader == "permessage-deflate; client_no_context_takeover; server_max_window_bits=8")
        #expect(result.configuration.serverMaxWindowBits == 8)
    }

    @Test func acceptsQuotedValues() {
        #expect(header(#"permessage-deflate; server_max_window_bits="12""#) == "permessage-deflate; server_max_window_bits=12")
    }

    @Test func matchesNamesWithoutRegardToCase() {
        #expect(header("PerMessage-Deflate; Server_No_Context_Takeover") == "permessage-deflate; server_no_context_takeover")
    }

    @Test func choosesTheFirstAcceptableOffer() {
        let offers = "permessage-deflate; server_max_window_bits=7, permessage-deflate; server_max_window_bits=9, permessage-deflate"
        #expect(header(offers) == "permessage-deflate; server_max_window_bits=9")
    }

    @Test func skipsOtherExtensions() {
        #expect(header("x-webkit-deflate-frame, permessage-deflate; client_max_window_bits") == "permessage-deflate")
        #expect(header("x-webkit-deflate-frame; no_context_takeover") == nil)
    }

    @Test func acceptsSeveralHeaderLinesJoinedWithCommas() {
        #expect(header("foo, , permessage-deflate;server_no_context_takeover ,bar") == "permessage-deflate; server_no_context_takeover")
    }

    @Test(arguments: [
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",  // duplicate
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",  // duplicate
        "permessage-deflate; unknown_parameter",  // unknown
        "permessage-deflate; server_no_context_takeover=1",  // value on a flag
        "permessage-deflate; client_no_context_takeover=true",  // value on a flag
        "permessage-deflate; server_max_window_bits",  // value required
        "permessage-deflate; server_max_window_bits=7",  // below 8
        "permessage-deflate; server_max_window_bits=16",  // above 15
        "permessage-deflate; server_max_window_bits=08",  // leading zero
        "permessage-deflate; server_max_window_bits=+9",  // sign
        "permessage-deflate; server_max_window_bits=abc",  // not a number
        #"permessage-deflate; server_max_window_bits="""#,  // empty quoted value
        "permessage-deflate; client_max_window_bits=16",  // above 15
        "permessage-deflate; client_max_window_bits=0",  // below 8
    ])
    func declinesAnInvalidOffer(_ offer: String) {
        #expect(header(offer) == nil)
        // ... but a valid offer after it is still chosen.
        #expect(header(offer + ", permessage-deflate") == "permessage-deflate")
    }

    @Test(arguments: [
        "permessage-deflate;",  // parameter name missing
        "permessage-deflate; server_max_window_bits=",  // value missing
        #"permessage-deflate; server_max_window_bits="10"#,  // unterminated quote
        "permessage-deflate server_no_context_takeover",  // missing ';'
        "permessage-deflate; a b",  // junk
        ";permessage-deflate",  // no extension name
    ])
    func declinesAMalformedHeader(_ offers: String) {
        #expect(header(offers) == nil)
    }

    @Test func asksTheClientForASmallerWindowOnlyWhenItsOfferAllowsIt() {
        let preferred = PerMessageDeflate.Configuration(clientMaxWindowBits: 10)
        #expect(header("permessage-deflate; client_max_window_bits", preferred: preferred) == "permessage-deflate; client_max_window_bits=10")
        #expect(header("permessage-deflate; client_max_window_bits=9", preferred: preferred) == "permessage-deflate; client_max_window_bits=9")
        #expect(header("permessage-deflate", preferred: preferred) == "permessage-deflate")
    }

    @Test func appliesTheServersOwnPolicy() throws {
        let preferred = PerMessageDeflate.Configuration(
            serverNoContextTakeover: true,
            clientNoContextTakeover: true,
            serverMaxWindowBits: 11
        )
        let result = try #require(PerMessageDeflate.negotiate(offers: "permessage-deflate; server_max_window_bits=13", preferred: preferred))
        #expect(
            result.responseHeader
                == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11"
        )
        #expect(result.configuration.serverMaxWindowBits == 11)
    }

    @Test func parsesParametersAndUnescapesQuotedStrings() throws {
        let offers = try #require(ExtensionHeaderParser.parse(#"a; b=1; c="x\"y" , d"#))
        #expect(offers.map(\.name) == ["a", "d"])
        #expect(offers[0].parameters == [.init(name: "b", value: "1"), .init(name: "c", value: #"x"y"#)])
        #expect(offers[1].parameters.isEmpty)
    }
}
