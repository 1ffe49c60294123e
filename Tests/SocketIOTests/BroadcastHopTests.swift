import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

/// An event loop that counts `execute` calls and is "in the loop" only while running one of its tasks,
/// so code running on the test thread counts as foreign. Tasks run when the test calls `run()`.
final class CountingEventLoop: EventLoop, Sendable {
    private let base = EmbeddedEventLoop()
    private let state = NIOLockedValueBox((executes: 0, runningTask: false))

    var executeCount: Int { state.withLockedValue { $0.executes } }

    var inEventLoop: Bool { state.withLockedValue { $0.runningTask } }

    func execute(_ task: @escaping @Sendable () -> Void) {
        state.withLockedValue { $0.executes += 1 }
        base.execute { [state] in
            state.withLockedValue { $0.runningTask = true }
            task()
            state.withLockedValue { $0.runningTask = false }
        }
    }

    func run() { base.run() }

    func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        base.scheduleTask(deadline: deadline, task)
    }

    func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        base.scheduleTask(in: delay, task)
    }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        base.shutdownGracefully(queue: queue, callback)
    }

    func preconditionInEventLoop(file: StaticString, line: UInt) {
        precondition(inEventLoop, file: file, line: line)
    }

    func preconditionNotInEventLoop(file: StaticString, line: UInt) {
        precondition(!inEventLoop, file: file, line: line)
    }
}

@Suite struct BroadcastHopTests {
    /// Connects every connection to `/` on its own loop, runs `loops`, and takes the CONNECT replies.
    func connect(_ connections: [FakeEngineConnection], to server: SocketIOServer, running loops: CountingEventLoop...) {
        for connection in connections {
            connection.eventLoop.execute {
                server.engineServer(didAccept: connection)
                connection.receive("0")
            }
        }
        for loop in loops { loop.run() }
        for connection in connections { _ = connection.takeSent() }
    }

    @Test func broadcastHopsOncePerForeignLoopWhateverTheNumberOfRecipients() throws {
        let server = SocketIOServer()
        let loop = CountingEventLoop()
        let connections = (0..<5).map { FakeEngineConnection(id: "c\($0)", eventLoop: loop) }
        connect(connections, to: server, running: loop)
        let before = loop.executeCount

        server.emit("fanout", "x")
        #expect(loop.executeCount == before + 1)
        #expect(connections.allSatisfy { $0.rawSent.isEmpty })  // delivered on the loop, not here
        loop.run()
        for connection in connections { #expect(connection.takeSent() == [.text(#"2["fanout","x"]"#)]) }
    }

    @Test func broadcastFromTheRecipientsLoopDoesNotHop() throws {
        let server = SocketIOServer()
        let loop = CountingEventLoop()
        let connections = (0..<3).map { FakeEngineConnection(id: "c\($0)", eventLoop: loop) }
        connect(connections, to: server, running: loop)
        let before = loop.executeCount
        loop.execute { server.emit("same-loop") }  // one hop to get onto the loop, none for delivery
        loop.run()
        #expect(loop.executeCount == before + 1)
        for connection in connections { #expect(connection.takeSent() == [.text(#"2["same-loop"]"#)]) }
    }

    @Test func broadcastsOfOneTickReachAnotherLoopInOneHopInOrder() throws {
        let server = SocketIOServer()
        let home = CountingEventLoop()
        let other = CountingEventLoop()
        let local = (0..<2).map { FakeEngineConnection(id: "h\($0)", eventLoop: home) }
        let remote = (0..<3).map { FakeEngineConnection(id: "o\($0)", eventLoop: other) }
        connect(local + remote, to: server, running: home, other)
        let before = other.executeCount

        home.execute {
            server.emit("a")
            server.emit("b")
            server.emit("c")
        }
        home.run()
        #expect(other.executeCount == before + 1)
        #expect(remote.allSatisfy { $0.rawSent.isEmpty })
        other.run()
        let expected: [WireMessage] = [.text(#"2["a"]"#), .text(#"2["b"]"#), .text(#"2["c"]"#)]
        for connection in local + remote { #expect(connection.takeSent() == expected) }
    }
}
