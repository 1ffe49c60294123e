import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct MiddlewareTests {
    @Test func refusalReachesTheClientWithMessageAndData() {
        let harness = Harness()
        let connected = Recorder<String>()
        harness.server.use { _, next in next(SocketIOMiddlewareError(message: "not authorized", data: ["code": 401])) }
        harness.server.onConnection { connected.record($0.id) }
        let connection = harness.open()
        connection.receive("0")
        #expect(connection.takeSent() == [.text(#"4{"message":"not authorized","data":{"code":401}}"#)])
        #expect(connected.values.isEmpty)
        #expect(harness.server.mainNamespace.sockets.isEmpty)
        #expect(!connection.isClosed)
    }

    @Test func refusalWithoutDataOmitsTheDataKey() {
        let harness = Harness()
        harness.server.of("/admin").use { _, next in next(SocketIOMiddlewareError(message: "no")) }
        let connection = harness.open()
        connection.receive("0/admin,")
        #expect(connection.takeSent() == [.text(#"4/admin,{"message":"no"}"#)])
    }

    @Test func middlewaresRunInOrderAndSeeTheHandshake() {
        let harness = Harness()
        let order = Recorder<String>()
        harness.server.use { socket, next in
            order.record("first:\(socket.handshake.auth["token"]?.stringValue ?? "-")")
            next(nil)
        }
        harness.server.use { _, next in
            order.record("second")
            next(nil)
        }
        harness.server.onConnection { _ in order.record("connected") }
        let connection = harness.open()
        connection.receive(#"0{"token":"t"}"#)
        #expect(order.values == ["first:t", "second", "connected"])
        #expect(connection.takeSent().first?.text?.hasPrefix(#"0{"sid":"#) == true)
    }

    @Test func laterMiddlewaresDoNotRunAfterARefusal() {
        let harness = Harness()
        let order = Recorder<String>()
        harness.server.use { _, next in next(SocketIOMiddlewareError(message: "stop")) }
        harness.server.use { _, next in order.record("second"); next(nil) }
        harness.open().receive("0")
        #expect(order.values.isEmpty)
    }

    @Test func middlewareMayAnswerLaterFromTheLoop() {
        let harness = Harness()
        harness.server.use { socket, next in
            socket.eventLoop.scheduleTask(in: .milliseconds(50)) { next(nil) }
        }
        let connection = harness.open()
        connection.receive("0")
        #expect(connection.takeSent().isEmpty)
        harness.loop.advanceTime(by: .milliseconds(50))
        #expect(connection.takeSent().first?.text?.hasPrefix(#"0{"sid":"#) == true)
    }

    @Test func secondCallToNextIsIgnored() {
        let harness = Harness()
        harness.server.use { _, next in
            next(nil)
            next(SocketIOMiddlewareError(message: "late"))
        }
        let connection = harness.open()
        connection.receive("0")
        let sent = connection.takeSent()
        #expect(sent.count == 1)
        #expect(sent.first?.text?.hasPrefix(#"0{"sid":"#) == true)
    }

    @Test func connectionClosedDuringMiddlewareDoesNotConnect() {
        let harness = Harness()
        harness.server.use { socket, next in
            socket.eventLoop.scheduleTask(in: .milliseconds(50)) { next(nil) }
        }
        let connection = harness.open()
        connection.receive("0")
        connection.finish(.transportClose)
        harness.loop.advanceTime(by: .milliseconds(50))
        #expect(connection.takeSent().isEmpty)
        #expect(harness.server.mainNamespace.sockets.isEmpty)
    }
}

@Suite struct MiddlewareRoomTests {
    @Test func roomsJoinedByARefusingMiddlewareAreLeft() {
        let harness = Harness()
        let ids = Recorder<String>()
        harness.server.use { socket, next in
            socket.join("vip")
            ids.record(socket.id)
            next(SocketIOMiddlewareError(message: "no"))
        }
        harness.open().receive("0")
        #expect(ids.values.count == 1)
        #expect(harness.server.to("vip").socketIDs.isEmpty)
    }

    @Test func roomsJoinedByAnAcceptingMiddlewareAreKept() throws {
        let harness = Harness()
        harness.server.use { socket, next in
            socket.join("vip")
            next(nil)
        }
        let (_, sid) = harness.connectMain()
        #expect(harness.server.to("vip").socketIDs == [sid])
    }
}
