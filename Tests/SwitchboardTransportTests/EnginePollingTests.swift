import EngineIO
import NIOCore
import SwitchboardTransport
import Testing

@Suite("Engine.IO over HTTP long-polling", .timeLimit(.minutes(1)))
struct EnginePollingTests {
    @Test func handshakeAnswersOpenPacketWithExactlyTheFiveKeys() async throws {
        let server = try await TestServer.start(configuration: TestServer.conformance)
        defer { Task { await server.stop() } }
        let response = try await server.get("/engine.io/?EIO=4&transport=polling")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; charset=UTF-8")
        let body = response.bodyText
        #expect(body.hasPrefix("0{\"sid\":\""))
        #expect(body.hasSuffix("\",\"upgrades\":[\"websocket\"],\"pingInterval\":300,\"pingTimeout\":200,\"maxPayload\":1000000}"))
        let sid = body.dropFirst(9).prefix(while: { $0 != "\"" })
        #expect(sid.count == 20)
        #expect(sid.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func missingOrInvalidEIOIsRefusedWith400() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let missing = try await server.get("/engine.io/?transport=polling")
        #expect(missing.status == 400)
        #expect(missing.bodyText == "{\"code\":5,\"message\":\"Unsupported protocol version\"}")
        #expect(try await server.get("/engine.io/?EIO=abc&transport=polling").status == 400)
        #expect(try await server.get("/engine.io/?EIO=3&transport=polling").status == 400)
    }

    @Test func missingOrUnknownTransportIsRefusedWith400() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let missing = try await server.get("/engine.io/?EIO=4")
        #expect(missing.status == 400)
        #expect(missing.bodyText == "{\"code\":0,\"message\":\"Transport unknown\"}")
        #expect(try await server.get("/engine.io/?EIO=4&transport=abc").status == 400)
    }

    @Test func handshakeWithPostOrPutIsRefusedWith400() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let post = try await server.post("/engine.io/?EIO=4&transport=polling", "")
        #expect(post.status == 400)
        #expect(post.bodyText == "{\"code\":2,\"message\":\"Bad handshake method\"}")
        let put = try await server.request(Array("PUT /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(put.status == 400)
    }

    @Test func unknownSidIsRefusedWith400() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.get("/engine.io/?EIO=4&transport=polling&sid=nope")
        #expect(response.status == 400)
        #expect(response.bodyText == "{\"code\":1,\"message\":\"Session ID unknown\"}")
    }

    @Test func postAnswersOkAndTheNextPollEchoesOneTextPacket() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let post = try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "4hello")
        #expect(post.status == 200)
        #expect(post.bodyText == "ok")
        let poll = try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)")
        #expect(poll.status == 200)
        #expect(poll.bodyText == "4hello")
    }

    @Test func queuedPacketsLeaveBatchedInOnePoll() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        _ = try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "4test1\u{1e}4test2\u{1e}4test3")
        let poll = try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)")
        #expect(poll.bodyText == "4test1\u{1e}4test2\u{1e}4test3")
    }

    @Test func binaryPacketsTravelAsBase64() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let post = try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "4hello\u{1e}bAQIDBA==")
        #expect(post.bodyText == "ok")
        let poll = try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)")
        #expect(poll.bodyText == "4hello\u{1e}bAQIDBA==")
    }

    @Test func invalidPacketAnswers400AndClosesTheSession() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let post = try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "abc")
        #expect(post.status == 400)
        let poll = try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)")
        #expect(poll.status == 400)
    }

    @Test func duplicatePollAnswersCloseToTheFirstAnd400ToTheSecond() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let first = try await server.pendingPoll(sid)
        let second = try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)&t=burst")
        let firstResponse = try await first.readResponse()
        #expect(firstResponse.status == 200)
        #expect(firstResponse.bodyText == "1")
        #expect(second.status == 400)
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)").status == 400)
        await first.close()
    }

    @Test func abortedPendingPollClosesTheSession() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let pending = try await server.pendingPoll(sid)
        await pending.close()
        try await eventually("session closed by the abort") { server.engine.sessionCount == 0 }
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)").status == 400)
    }

    @Test func serverPingsEveryIntervalAndPongsKeepTheSessionAlive() async throws {
        let server = try await TestServer.start(configuration: TestServer.heartbeat)
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        for _ in 0..<3 {
            let poll = try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)")
            #expect(poll.status == 200)
            #expect(poll.bodyText == "2")
            let pong = try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "3")
            #expect(pong.status == 200)
        }
    }

    @Test func missingPongClosesTheSessionAfterIntervalPlusTimeout() async throws {
        let server = try await TestServer.start(configuration: TestServer.conformance)
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)").status == 400)
    }

    @Test func closePacketAnswersThePendingPollWithNoopAndEndsTheSession() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let pending = try await server.pendingPoll(sid)
        let post = try await server.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "1")
        #expect(post.status == 200)
        let poll = try await pending.readResponse()
        #expect(poll.status == 200)
        #expect(poll.bodyText == "6")
        #expect(try await server.get("/engine.io/?EIO=4&transport=polling&sid=\(sid)").status == 400)
        await pending.close()
    }

    @Test func bodyAboveMaxPayloadIsRefusedWith413BeforeReading() async throws {
        let server = try await TestServer.start(configuration: EngineConfiguration(maxPayload: 10))
        defer { Task { await server.stop() } }
        let sid = try await server.openPollingSession()
        let response = try await server.post(
            "/engine.io/?EIO=4&transport=polling&sid=\(sid)", "4hello world", headers: ["Origin: https://a.example"])
        #expect(response.status == 413)
        #expect(response.header("Access-Control-Allow-Origin") == nil)
        let cors = try await TestServer.start(configuration: EngineConfiguration(maxPayload: 10, cors: .anyOriginWithCredentials))
        defer { Task { await cors.stop() } }
        let corsSid = try await cors.openPollingSession()
        let withCORS = try await cors.post(
            "/engine.io/?EIO=4&transport=polling&sid=\(corsSid)", "4hello world", headers: ["Origin: https://a.example"])
        #expect(withCORS.status == 413)
        #expect(withCORS.header("Access-Control-Allow-Origin") == "https://a.example")
    }

    @Test func corsHeadersEchoTheOriginWithCredentials() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.get("/engine.io/?EIO=4&transport=polling", headers: ["Origin: https://example.com"])
        #expect(response.header("Access-Control-Allow-Origin") == "https://example.com")
        #expect(response.header("Access-Control-Allow-Credentials") == "true")
        let preflight = try await server.request(Array(
            ("OPTIONS /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: https://example.com\r\n"
                + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n").utf8))
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Origin") == "https://example.com")
        #expect(preflight.header("Access-Control-Allow-Methods") == "GET,POST")
        #expect(preflight.header("Access-Control-Allow-Headers") == "content-type")
    }

    @Test func allowRequestCanRefuseTheHandshakeWith403() async throws {
        let server = try await TestServer.start(configuration: EngineConfiguration(allowRequest: { _ in .refuse(message: "nope") }))
        defer { Task { await server.stop() } }
        let response = try await server.get("/engine.io/?EIO=4&transport=polling")
        #expect(response.status == 403)
        #expect(response.bodyText == "{\"code\":4,\"message\":\"nope\"}")
    }

    @Test func unknownPathIsAnswered404() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        #expect(try await server.get("/nothing-here").status == 404)
    }
}
