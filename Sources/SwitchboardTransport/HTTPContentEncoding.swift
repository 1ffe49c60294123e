import CompressNIO
import NIOCore

/// A response compression for polling answers, chosen from the request's `Accept-Encoding`.
enum HTTPContentEncoding: String, Sendable, Hashable {
    /// gzip (RFC 1952).
    case gzip
    /// `deflate`, which HTTP defines as the zlib format (RFC 1950).
    case deflate

    /// The encoding to use for a request with this `Accept-Encoding` value: gzip first, then deflate; none
    /// when neither is listed, or both have `q=0`. `*` stands for gzip unless gzip is refused.
    static func preferred(acceptEncoding: String?) -> HTTPContentEncoding? {
        guard let acceptEncoding else { return nil }
        var accepted: [String: Bool] = [:]
        for item in acceptEncoding.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let name = parts.first?.trimmingSpaces.lowercased(), !name.isEmpty else { continue }
            var refused = false
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmingSpaces.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].lowercased() == "q", let q = Double(pair[1].trimmingSpaces), q <= 0 {
                    refused = true
                }
            }
            accepted[name] = !refused
        }
        if accepted["gzip"] ?? accepted["*"] ?? false { return .gzip }
        if accepted["deflate"] ?? accepted["*"] ?? false { return .deflate }
        return nil
    }

    /// `body` compressed with this encoding, or `nil` if compression failed.
    func compress(_ body: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var input = body
        switch self {
        case .gzip: return try? input.compress(with: .gzip(), allocator: allocator)
        case .deflate: return try? input.compress(with: .zlib(), allocator: allocator)
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
