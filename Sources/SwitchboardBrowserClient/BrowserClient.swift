import Foundation

/// The dependency-free browser client that the server serves at `/socket.io/socket.io.js`.
public enum BrowserClient {
    /// The JavaScript source, loaded once from the module's resources.
    public static let source: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "Resources/socket.io.js", withExtension: nil),
              let data = try? Data(contentsOf: url)
        else { return Array("/* socket.io.js missing from the bundle */".utf8) }
        return Array(data)
    }()

    /// A strong validator for `source` (FNV-1a 64 of the bytes, quoted), for `ETag`/`If-None-Match`.
    public static let etag: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in source {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return "\"" + String(hash, radix: 16) + "\""
    }()
}
