import NIOCore
import Testing

@testable import SwitchboardTransport

@Suite("Options of accepted sockets")
struct AcceptedSocketOptionsTests {
    @Test(.timeLimit(.minutes(1)))
    func anAcceptedConnectionHasNagleOffThoughNoOptionIsSetPerConnection() async throws {
        let server = try await TestServer.start()
        let client = try await server.client()
        var accepted: (any Channel)?
        let deadline = ContinuousClock.now + .seconds(10)
        while accepted == nil && ContinuousClock.now < deadline {
            accepted = server.server.connections.withLockedValue { $0.values.first }
            if accepted == nil { try await Task.sleep(for: .milliseconds(5)) }
        }
        let channel = try #require(accepted)
        // Read from the socket itself (getsockopt): inherited from the listening socket.
        #expect(try await channel.getOption(.socketOption(.tcp_nodelay)).get() == 1)
        await client.close()
        await server.stop()
    }
}
