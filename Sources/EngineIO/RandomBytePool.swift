#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random bytes handed out from a buffer that is refilled in large chunks, so that a stream of small requests (a
/// 20-character id takes 15 bytes) costs one refill per chunk instead of one system call each.
///
/// Every byte is handed out once. A pool is not thread-safe: ``RandomBytePool/withCurrentThreadPool(_:)`` gives each
/// thread its own, filled from the system's cryptographically secure generator (``RandomBytePool/systemFill(_:)``).
package final class RandomBytePool {
    /// Fills every byte of its argument.
    package typealias Fill = (UnsafeMutableRawBufferPointer) -> Void

    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes before `next` have been handed out; `next == buffer.count` means empty.
    private var next: Int
    private let fill: Fill

    /// A pool of `capacity` bytes that `fill` refills; it fills the first time it is used.
    package init(capacity: Int, fill: @escaping Fill) {
        precondition(capacity > 0, "a pool needs room for at least one byte")
        self.buffer = .allocate(byteCount: capacity, alignment: 8)
        self.next = capacity
        self.fill = fill
    }

    deinit {
        // Handed-out and unused bytes alike: nothing drawn for an id stays in freed memory.
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffer.deallocate()
    }

    /// Calls `body` with `count` bytes (at most the pool's capacity) that no other call sees; refills first when
    /// fewer than `count` are left (the rest of the old chunk is dropped).
    package func withBytes<Result>(_ count: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        precondition(count > 0 && count <= buffer.count, "asked for more bytes than the pool holds")
        if buffer.count - next < count {
            fill(buffer)
            next = 0
        }
        let start = next
        next += count
        return body(UnsafeRawBufferPointer(rebasing: buffer[start..<start + count]))
    }

    // MARK: One pool per thread, from the system generator

    /// The chunk each thread's pool draws from the system: 4 KB, 273 ids of 15 bytes per system call.
    static let threadPoolCapacity = 4096

    /// Calls `body` with this thread's pool (made on first use, freed when the thread ends).
    package static func withCurrentThreadPool<Result>(_ body: (RandomBytePool) -> Result) -> Result {
        let key = ThreadPoolKey.key
        if let existing = pthread_getspecific(key) {
            return body(Unmanaged<RandomBytePool>.fromOpaque(existing).takeUnretainedValue())
        }
        let pool = RandomBytePool(capacity: threadPoolCapacity, fill: systemFill)
        // The thread-specific slot owns one reference, released by the key's destructor at thread exit.
        pthread_setspecific(key, Unmanaged.passRetained(pool).toOpaque())
        return body(pool)
    }

    /// Fills `bytes` from the system's cryptographically secure generator: `getrandom(2)` on Linux (retried after
    /// a signal or a short read), `arc4random_buf` on Darwin; the standard library's generator if the call fails.
    package static func systemFill(_ bytes: UnsafeMutableRawBufferPointer) {
        var filled = 0
        #if canImport(Glibc)
        if let getRandom = SystemRandomCall.getRandom {
            while filled < bytes.count {
                let count = getRandom(bytes.baseAddress! + filled, bytes.count - filled, 0)
                if count > 0 {
                    filled += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
        }
        #elseif canImport(Darwin)
        arc4random_buf(bytes.baseAddress!, bytes.count)
        filled = bytes.count
        #endif
        var system = SystemRandomNumberGenerator()
        while filled < bytes.count {
            withUnsafeBytes(of: system.next()) { word in
                let count = min(word.count, bytes.count - filled)
                bytes.baseAddress!.advanced(by: filled).copyMemory(from: word.baseAddress!, byteCount: count)
                filled += count
            }
        }
    }
}

/// The thread-specific-data key of the per-thread pools, created once; its destructor releases a thread's pool.
private enum ThreadPoolKey {
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        #if canImport(Glibc)
        let status = pthread_key_create(&key) { pool in
            if let pool { Unmanaged<RandomBytePool>.fromOpaque(pool).release() }
        }
        #else
        let status = pthread_key_create(&key) { pool in Unmanaged<RandomBytePool>.fromOpaque(pool).release() }
        #endif
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()
}

#if canImport(Glibc)
/// `getrandom(2)` from `<sys/random.h>`, which the Glibc module does not import: looked up once.
private enum SystemRandomCall {
    typealias GetRandom = @convention(c) (UnsafeMutableRawPointer?, Int, UInt32) -> Int
    static let getRandom: GetRandom? = dlsym(nil, "getrandom").map { unsafeBitCast($0, to: GetRandom.self) }
}
#endif
