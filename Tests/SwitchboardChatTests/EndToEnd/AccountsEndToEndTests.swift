import SwitchboardChat
import SwitchboardClient
import SwitchboardJSON
import Testing

@Suite(.timeLimit(.minutes(1))) struct AccountsEndToEndTests {
    @Test func registerLoginAndMe() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let registered = try await chat.post(
            "/api/register", ["username": "Alice", "password": .string(ChatHarness.password), "displayName": "Alice A."])
        #expect(registered.status == 201)
        #expect(registered.json?["user"]?["username"] == "alice")
        #expect(registered.json?["user"]?["displayName"] == "Alice A.")
        #expect(registered.json?["user"]?["passwordHash"] == nil)
        #expect(registered.header("Content-Type")?.hasPrefix("application/json") == true)

        let taken = try await chat.post("/api/register", ["username": "alice", "password": "another-password"])
        #expect(taken.status == 409)
        #expect(taken.json?["error"]?["code"] == "username_taken")

        let login = try await chat.post("/api/login", ["username": "ALICE", "password": .string(ChatHarness.password)])
        #expect(login.status == 200)
        let token = try #require(login.json?["token"]?.stringValue)
        #expect(login.json?["user"]?["id"] == registered.json?["user"]?["id"])

        let me = try await chat.get("/api/me", headers: [("Authorization", "Bearer \(token)")])
        #expect(me.status == 200)
        #expect(me.json?["user"]?["username"] == "alice")
        let anonymous = try await chat.get("/api/me")
        #expect(anonymous.status == 401)
        #expect(anonymous.json?["error"]?["code"] == "token_missing")
        let forged = try await chat.get("/api/me", headers: [("Authorization", "Bearer \(token)x")])
        #expect(forged.status == 401)
        #expect(forged.json?["error"]?["code"] == "token_invalid")
    }

    @Test func invalidRegistrationsAreRefusedWithJSONErrors() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        for body: JSONValue in [
            ["username": "ab", "password": "long-enough"], ["username": "bad name", "password": "long-enough"],
            ["username": "carol", "password": "short"], ["username": "carol"], ["password": "long-enough"], [1, 2],
        ] {
            let response = try await chat.post("/api/register", body)
            #expect(response.status == 400, "\(body.jsonString) → \(response.body)")
            #expect(response.json?["error"]?["code"] == "bad_request")
            #expect(response.json?["error"]?["message"]?.stringValue?.isEmpty == false)
        }
        let notJSON = try await RawHTTP.request(port: chat.port, method: "POST", path: "/api/register", body: "{nope")
        #expect(notJSON.status == 400)
    }

    @Test func wrongPasswordsAreBadCredentialsThenRateLimited() async throws {
        let chat = try await ChatHarness(limits: ChatLimits(loginBurst: 3, loginsPerSecond: 0.01))
        defer { Task { await chat.stop() } }
        _ = try await chat.register("dave")
        for _ in 0..<3 {
            let wrong = try await chat.post("/api/login", ["username": "dave", "password": "wrong-password"])
            #expect(wrong.status == 401)
            #expect(wrong.json?["error"]?["code"] == "bad_credentials")
        }
        let unknown = try await chat.post("/api/login", ["username": "nobody", "password": "wrong-password"])
        #expect(unknown.status == 429)
        #expect(unknown.json?["error"]?["code"] == "rate_limited")
        #expect((unknown.json?["error"]?["retryAfterMs"]?.intValue ?? 0) > 0)
        #expect(unknown.header("Retry-After") != nil)
        // Even the right password waits until the address has budget again.
        let right = try await chat.post("/api/login", ["username": "dave", "password": .string(ChatHarness.password)])
        #expect(right.status == 429)
    }

    @Test func connectingNeedsAValidToken() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let account = try await chat.register("erin")
        let cases: [(JSONObject?, String)] = [
            (nil, "token_missing"), (["token": ""], "token_missing"), (["token": "garbage"], "token_invalid"),
            (["token": .string(account.token + "x")], "token_invalid"),
            (["token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1X3giLCJuYW1lIjoieCIsImlhdCI6MSwiZXhwIjo5OTk5OTk5OTk5fQ."], "token_invalid"),
        ]
        for (auth, code) in cases {
            let (socket, _) = try chat.socket(auth: auth)
            do throws(SocketIOClientError) {
                try await socket.connectAndWait()
                Issue.record("connected with \(String(describing: auth))")
            } catch {
                #expect(error.code == .connectError)
                #expect(error.data?["code"]?.stringValue == code, "\(String(describing: auth))")
            }
            socket.disconnect()
        }
        // The same token is refused once it expired (12 h by default).
        chat.advanceClock(milliseconds: 12 * 3_600_000)
        let (socket, _) = try chat.socket(auth: ["token": .string(account.token)])
        do throws(SocketIOClientError) {
            try await socket.connectAndWait()
            Issue.record("connected with an expired token")
        } catch {
            #expect(error.data?["code"] == "token_expired")
        }
        socket.disconnect()
    }

    @Test func aValidTokenGetsTheSessionWithTheSeededRoom() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let account = try await chat.register("frank")
        let client = try await chat.connect(account)
        defer { client.disconnect() }
        let session = client.log.all("session")[0]
        #expect(session["user"]?["id"]?.stringValue == account.id)
        let rooms = session["rooms"]?.arrayValue ?? []
        let general = try #require(rooms.first { $0["name"] == "general" })
        #expect(general["kind"] == "public")
        #expect(general["joined"] == false)
        #expect(general["unread"] == 0)
    }
}
