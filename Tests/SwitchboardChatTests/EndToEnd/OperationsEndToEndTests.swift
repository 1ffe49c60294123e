import ChatStore
import SwitchboardClient
import SwitchboardChat
import SwitchboardJSON
import Testing

@Suite(.timeLimit(.minutes(1))) struct OperationsEndToEndTests {
    @Test func theAdminNamespaceNeedsTheAdminTokenAndStreamsStats() async throws {
        let chat = try await ChatHarness(adminToken: "the-admin-token")
        defer { Task { await chat.stop() } }
        for (auth, code) in [(nil, "token_missing"), (["token": "wrong"], "token_invalid")] as [(JSONObject?, String)] {
            let (socket, _) = try chat.socket(namespace: "/admin", auth: auth)
            do throws(SocketIOClientError) {
                try await socket.connectAndWait()
                Issue.record("admin connected with \(String(describing: auth))")
            } catch {
                #expect(error.data?["code"]?.stringValue == code)
            }
            socket.disconnect()
        }
        let alice = try await chat.user("alice")
        defer { alice.disconnect() }
        try await alice.ok("message:send", ["roomId": "r_general", "clientMessageId": "a", "text": "hi"])
        let (admin, log) = try chat.socket(namespace: "/admin", auth: ["token": "the-admin-token"])
        try await admin.connectAndWait()
        defer { admin.disconnect() }
        let stats = try await log.wait(for: "stats", timeout: .seconds(5))
        for field in ["t", "connections", "sockets", "rooms", "users", "messagesPerSecond", "messagesTotal",
                      "backupLagMessages", "backupLagSeconds", "rssBytes"] {
            #expect(stats[field] != nil, "stats lacks \(field)")
        }
        #expect(stats["users"] == 1)
        #expect(stats["messagesTotal"] == 1)
        #expect((stats["rssBytes"]?.intValue ?? 0) > 0)
    }

    @Test func statsCarryTheTimeOfTheLastCompletedBackup() async throws {
        let chat = try await ChatHarness(adminToken: "the-admin-token", archive: InMemoryArchive())
        defer { Task { await chat.stop() } }
        let (admin, log) = try chat.socket(namespace: "/admin", auth: ["token": "the-admin-token"])
        try await admin.connectAndWait()
        defer { admin.disconnect() }
        let before = try await log.wait(for: "stats", timeout: .seconds(5))
        #expect(before["lastBackupAt"] == nil, "no backup has run yet")
        let alice = try await chat.user("alice")
        defer { alice.disconnect() }
        try await alice.ok("message:send", ["roomId": "r_general", "clientMessageId": "a", "text": "hi"])
        let backup = try #require(chat.messages.backup)
        let started = WallClock.nowMilliseconds()
        #expect(await backup.runOnce().messagesArchived == 1)
        let after = try await log.wait(for: "stats", timeout: .seconds(5)) { $0["lastBackupAt"] != nil }
        let at = try #require(after["lastBackupAt"]?.intValue)
        #expect(at >= started && at <= WallClock.nowMilliseconds())
    }

    @Test func withoutAnAdminTokenTheDashboardIsDisabled() async throws {
        let chat = try await ChatHarness(adminToken: nil)
        defer { Task { await chat.stop() } }
        let (socket, _) = try chat.socket(namespace: "/admin", auth: ["token": "anything"])
        do throws(SocketIOClientError) {
            try await socket.connectAndWait()
            Issue.record("admin connected without a configured token")
        } catch {
            #expect(error.data?["code"] == "admin_disabled")
        }
        socket.disconnect()
    }

    @Test func pagesCarrySecurityHeadersAndOperationsRoutesAnswer() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let page = try await chat.get("/")
        #expect(page.status == 200)
        let csp = try #require(page.header("Content-Security-Policy"))
        #expect(csp.contains("frame-ancestors 'none'"))
        #expect(csp.contains("script-src 'self'"))
        #expect(!csp.contains("unsafe-inline"))
        #expect(page.header("X-Content-Type-Options") == "nosniff")
        #expect(page.header("Referrer-Policy") == "no-referrer")
        let health = try await chat.get("/healthz")
        #expect(health.status == 200)
        #expect(health.json?["status"] == "ok")
        let client = try await chat.get("/socket.io/socket.io.js")
        #expect(client.status == 200)
    }
}
