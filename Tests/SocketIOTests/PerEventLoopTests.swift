import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@Suite("One value per event loop (PerEventLoop)")
struct PerEventLoopTests {
    final class Made: Sendable {
        let loop: ObjectIdentifier
        init(_ loop: any EventLoop) { self.loop = ObjectIdentifier(loop) }
    }

    @Test func eachLoopGetsItsOwnValueMadeOnceOnFirstUse() {
        let calls = NIOLockedValueBox(0)
        let registry = PerEventLoop<Made> { loop in
            calls.withLockedValue { $0 += 1 }
            return Made(loop)
        }
        let first = EmbeddedEventLoop()
        let second = EmbeddedEventLoop()
        #expect(calls.withLockedValue { $0 } == 0, "nothing is made before it is asked for")
        let a = registry.value(for: first)
        #expect(registry.value(for: first) === a)
        let b = registry.value(for: second)
        #expect(b !== a)
        #expect(a.loop == ObjectIdentifier(first) && b.loop == ObjectIdentifier(second))
        #expect(registry.value(for: second) === b)
        #expect(calls.withLockedValue { $0 } == 2)
    }
}
