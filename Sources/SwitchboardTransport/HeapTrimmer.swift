#if canImport(Glibc)
import Glibc
#endif

/// Returns free heap pages to the system (glibc's `malloc_trim(0)`); does nothing elsewhere.
enum HeapTrimmer {
    #if canImport(Glibc)
    private typealias MallocTrim = @convention(c) (Int) -> Int32
    /// `malloc_trim` is declared in `<malloc.h>`, which the Glibc module does not import: looked up once.
    private static let mallocTrim: MallocTrim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: MallocTrim.self) }
    #endif

    /// Whether this platform can trim.
    static var isAvailable: Bool {
        #if canImport(Glibc)
        mallocTrim != nil
        #else
        false
        #endif
    }

    /// Trims every malloc arena; returns whether memory was given back.
    @discardableResult
    static func trim() -> Bool {
        #if canImport(Glibc)
        return (mallocTrim?(0) ?? 0) != 0
        #else
        return false
        #endif
    }
}
