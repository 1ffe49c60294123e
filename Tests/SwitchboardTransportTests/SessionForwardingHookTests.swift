import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import SwitchboardTransport
import Testing

/// Joins two in-process servers as a cluster would, without Redis: the edge hands a request for a
/// session it does not own to the owner's forwarded-request entry points.
final class LoopbackSessionRouter: RemoteSessionRouter {
    let owner = NIOLockedValueBox<EngineServer?>(nil)
    let opened = NIOLockedValueBox<[String]>([])
    let closed = NIOLockedValueBox<[String]>([])

    func sessionOpened(_ sid: String, eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        opened.withLockedValue { $0.append(sid) }
        return eventLoop.makeSucceededVoidFuture()
    }

    func sessionClosed(_ sid: String) {
        closed.withLockedValue { $0.append(sid) }
    }

    func forwardPollingRequest(_ request: ForwardedPollingRequest) {
        let served = owner.withLockedValue { $0 }?.serveForwardedPollingRequest(
            sid: request.sid, method: request.method, body: request.body
        ) { status, headers, body in
            request.respond(status: status, headers: headers, body: body)
        }
        if served != true { request.respondUnknownSession() }
    }

    func canForwardWebSocket(sid: String, eventLoop: any EventLoop) -> EventLoopFuture<Bool> {
        let known = owner.withLockedValue { $0 }?.registeredSessionIDs.contains(sid) ?? false
        return eventLoop.makeSucceededFuture(known)
    }

    func forwardWebSocket(_ socket: ForwardedWebSocket) {
        let handle = owner.withLockedValue { $0 }?.attachForwardedWebSocket(
            sid: socket.sid, write: { socket.write($0) }, close: { socket.close() })
        socket.start(
            onMessage: { data, isBinary in handle?.received(data, isBinary: isBinary) },
            onClose: { handle?.closed() })
    }
}

@Suite("Sessions owned by another process (RemoteSessionRouter)", .timeLimit(.minutes(1)))
struct SessionForwardingHookTests {
    /// `owner` and `edge`; the edge's router forwards to the owner, the owner's router records its sessions.
    func withPair(_ body: (TestServer, TestServer, LoopbackSessionRouter) async throws -> Void) async throws {
        let owner = try await TestServer.start()
        let edge = try await TestServer.start()
        let ownerRouter = LoopbackSessionRouter()
        owner.engine.remoteSessionRouter = ownerRouter
        let edgeRouter = LoopbackSessionRouter()
        edgeRouter.owner.withLockedValue { $0 = owner.engine }
        edge.engine.remoteSessionRouter = edgeRouter
        do {
            try await body(owner, edge, ownerRouter)
        } catch {
            await owner.stop()
            await edge.stop()
            throw error
        }
        await owner.stop()
        await edge.stop()
    }

    @Test func aPollingSessionIsAnnouncedBeforeItsHandshakeIsAnswered() async throws {
        try await withPair { owner, _, ownerRouter in
            let sid = try await owner.openPollingSession()
            #expect(ownerRouter.opened.withLockedValue { $0 } == [sid])
        }
    }

    @Test func postAndPollOnAnotherProcessReachTheOwnerSessionWithTheEdgesCORS() async throws {
        try await withPair { owner, edge, _ in
            let sid = try await owner.openPollingSession()
            let post = try await edge.post("/engine.io/?EIO=4&transport=polling&sid=\(sid)", "4hello")
            #expect(post.status == 200)
            #expect(post.bodyText == "ok")
            let poll = try await edge.get(
                "/engine.io/?EIO=4&transport=polling&sid=\(sid)", headers: ["Origin: https://example.com"])
            #expect(poll.status == 200)
            #expect(poll.header("Content-Type") == "text/plain; charset=UTF-8")
            #expect(poll.header("Access-Control-Allow-Origin") == "https://example.com")
            #expect(poll.bodyText == "4hello")
        }
    }

    @Test func aSessionNoProcessOwnsIsStillRefusedWith400() async throws {
        try await withPair { _, edge, _ in
            let response = try await edge.get("/engine.io/?EIO=4&transport=polling&sid=nope")
            #expect(response.status == 400)
            #expect(response.bodyText == "{\"code\":1,\"message\":\"Session ID unknown\"}")
        }
    }

    @Test func aWebSocketUpgradeOnAnotherProcessTakesOverTheOwnersSession() async throws {
        try await withPair { owner, edge, ownerRouter in
            let sid = try await owner.openPollingSession()
            let pending = try await owner.pendingPoll(sid)
            let socket = try await edge.probedWebSocket(sid)
            #expect(try await pending.readResponse().bodyText == "6")
            await pending.close()
            try await socket.send(WSFrame.text("5"))
            try await owner.waitForTransport(sid, .websocket)
            try await socket.send(WSFrame.text("4over the relay"))
            #expect(try await socket.readText() == "4over the relay")
            // The client closes: the owner's session ends and is announced closed.
            try await socket.send(WSFrame.text("1"))
            try await eventually("session announced closed") { ownerRouter.closed.withLockedValue { $0 } == [sid] }
            await socket.close()
        }
    }

    @Test func aWebSocketUpgradeForAnUnknownSessionIsRefusedBeforeThe101() async throws {
        try await withPair { _, edge, _ in
            let client = try await edge.client()
            try await client.send(Request.webSocket("/engine.io/?EIO=4&transport=websocket&sid=nope"))
            let response = try await client.readResponse()
            #expect(response.status == 400)
            #expect(response.bodyText == "{\"code\":1,\"message\":\"Session ID unknown\"}")
            await client.close()
        }
    }
}
