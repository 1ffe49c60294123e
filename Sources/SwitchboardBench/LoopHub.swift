import NIOCore

/// The runner's handle on all loops: fans commands out and gathers results through `submit`.
struct LoopHub: Sendable {
    let states: [LoopState]

    func metrics() async throws -> LoopMetrics {
        var total = LoopMetrics()
        for state in states { total.add(try await state.eventLoop.submit { state.metricsSnapshot() }.get()) }
        return total
    }

    func finalResult() async throws -> LoopResult {
        var total = LoopResult()
        for state in states { total.add(try await state.eventLoop.submit { state.finalResult() }.get()) }
        return total
    }

    func start() async {
        let now = NIODeadline.now().uptimeNanoseconds
        for state in states { try? await state.eventLoop.submit { state.start(nowNanos: now) }.get() }
    }

    func stop() async {
        for state in states { try? await state.eventLoop.submit { state.stop() }.get() }
    }

    /// The server's `stats`, asked through the first loop that has a connected socket (5 s limit).
    func serverStats() async -> ServerStats? {
        for state in states {
            let answer = try? await state.eventLoop.flatSubmit { state.requestStats() }.get()
            if let answer = answer ?? nil { return answer }
        }
        return nil
    }

    func closeAll() async {
        for state in states { try? await state.eventLoop.submit { state.closeAll() }.get() }
    }
}
