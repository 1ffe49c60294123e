import Foundation
import Testing

@testable import EngineIO

@Suite("Random identifiers: 15 bytes from a per-thread pool, spelled in base64url")
struct RandomIdentifierTests {
    static let alphabet = Set(RandomIdentifier.alphabet)

    @Test func identifiersAre20URLSafeCharactersAndDifferAcrossManyRefills() {
        // 273 identifiers per 4 KB chunk: 3 000 cross ten refills of this thread's pool.
        let ids = (0..<3_000).map { _ in RandomIdentifier.make() }
        for id in ids {
            #expect(id.utf8.count == 20)
            #expect(id.utf8.allSatisfy { Self.alphabet.contains($0) })
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test func everyCharacterOfTheAlphabetTurnsUp() {
        // 2 000 × 20 characters: each of the 64 is missing with probability (63/64)^40 000 ≈ 0.
        var seen = Set<UInt8>()
        for _ in 0..<2_000 { seen.formUnion(RandomIdentifier.make().utf8) }
        #expect(seen == Self.alphabet)
    }

    @Test func theSpellingIsBase64URLOfTheFifteenBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let bytes = (0..<15).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(bytes.withUnsafeBytes { RandomIdentifier.encode($0) } == expected)
        }
        #expect([UInt8](repeating: 0, count: 15).withUnsafeBytes { RandomIdentifier.encode($0) } == String(repeating: "A", count: 20))
        #expect([UInt8](repeating: 0xFF, count: 15).withUnsafeBytes { RandomIdentifier.encode($0) } == String(repeating: "_", count: 20))
    }

    @Test func identifiersMadeOnManyThreadsAtOnceAreAllDistinct() {
        let perThread = 1_000
        let threads = 8
        let results = Collected<[String]>()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            results.append((0..<perThread).map { _ in RandomIdentifier.make() })
        }
        let all = results.values.flatMap { $0 }
        #expect(all.count == perThread * threads)
        #expect(Set(all).count == all.count)
    }

    @Test func eachThreadKeepsItsOwnPool() {
        let here = RandomBytePool.withCurrentThreadPool { ObjectIdentifier($0) }
        #expect(RandomBytePool.withCurrentThreadPool { ObjectIdentifier($0) } == here)
        let other = Collected<ObjectIdentifier>()
        let done = DispatchSemaphore(value: 0)
        // Both pools are alive when their identities are taken (this thread's for the whole test).
        Thread {
            RandomBytePool.withCurrentThreadPool { other.append(ObjectIdentifier($0)) }
            done.signal()
        }.start()
        done.wait()
        #expect(other.values.count == 1)
        #expect(other.values.first != here)
    }
}

/// Values appended from several threads.
final class Collected<Value>: @unchecked Sendable {  // `storage` is only touched under `lock`
    private let lock = NSLock()
    private var storage: [Value] = []
    func append(_ value: Value) { lock.withLock { storage.append(value) } }
    var values: [Value] { lock.withLock { storage } }
}

@Suite("RandomBytePool hands out each byte once and refills in chunks")
struct RandomBytePoolTests {
    /// A fill that writes a running counter, so that every byte a pool hands out can be recognised.
    final class CountingFill {
        var fills = 0
        var counter: UInt8 = 0
        func fill(_ bytes: UnsafeMutableRawBufferPointer) {
            fills += 1
            for index in bytes.indices {
                counter &+= 1
                bytes[index] = counter
            }
        }
    }

    @Test func fillsOnFirstUseAndOncePerChunk() {
        let source = CountingFill()
        let pool = RandomBytePool(capacity: 45, fill: source.fill)
        #expect(source.fills == 0)
        var taken: [[UInt8]] = []
        for _ in 0..<6 { taken.append(pool.withBytes(15) { Array($0) }) }
        #expect(source.fills == 2, "45 bytes hold three takes of 15")
        #expect(taken.joined().elementsEqual((1...90).map { UInt8($0) }), "consecutive, none handed out twice")
    }

    @Test func aTakeThatDoesNotFitDropsTheRestOfTheChunk() {
        let source = CountingFill()
        let pool = RandomBytePool(capacity: 40, fill: source.fill)
        let first = pool.withBytes(15) { Array($0) }
        let second = pool.withBytes(15) { Array($0) }
        let third = pool.withBytes(15) { Array($0) }  // 10 left: refill
        #expect(source.fills == 2)
        #expect(first == (1...15).map { UInt8($0) })
        #expect(second == (16...30).map { UInt8($0) })
        #expect(third == (41...55).map { UInt8($0) }, "bytes 31–40 were dropped, not reused")
    }

    @Test func theSystemFillFillsLargeBuffersWithFreshBytes() {
        let size = 64 * 1024  // above getrandom's 256-byte no-interruption guarantee
        let first = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        let second = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer {
            first.deallocate()
            second.deallocate()
        }
        first.initializeMemory(as: UInt8.self, repeating: 0)
        second.initializeMemory(as: UInt8.self, repeating: 0)
        RandomBytePool.systemFill(first)
        RandomBytePool.systemFill(second)
        #expect(!first.elementsEqual(second))
        // A tail left unfilled would stay zero: the last 64 bytes are all zero with probability 2^-512.
        #expect(first[(size - 64)...].contains { $0 != 0 })
        #expect(second[(size - 64)...].contains { $0 != 0 })
        // Roughly uniform: each of 256 byte values appears ~256 times in 64 KB; far fewer distinct values means a bug.
        #expect(Set(first).count == 256)
    }
}
