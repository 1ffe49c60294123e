import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardTransport

/// The chat's web pages, loaded once from the module's resources and served with security headers.
enum StaticPages {
    /// Content types by file extension; files with other extensions are not served.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "application/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "json": "application/json",
        "txt": "text/plain; charset=utf-8",
    ]

    /// Headers that every page carries: a strict Content-Security-Policy (same-origin scripts, styles
    /// and connections only, no inline script), no sniffing, no framing, no referrer leaks.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]

    /// Adds a GET route for every file in the `Public` resource folder (`index.html` also at `/`,
    /// `admin.html` also at `/admin`).
    /// Throws when the folder is missing from the bundle.
    static func add(to router: inout HTTPRouter) throws {
        guard let folder = Bundle.module.url(forResource: "Public", withExtension: nil) else {
            throw StaticPagesError(resource: "Public")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        guard names.contains("index.html") else { throw StaticPagesError(resource: "Public/index.html") }
        for name in names {
            let ext = name.split(separator: ".").last.map { String($0).lowercased() } ?? ""
            guard let contentType = contentTypes[ext] else { continue }
            let body = ByteBuffer(bytes: try Data(contentsOf: folder.appendingPathComponent(name)))
            var headers = HTTPHeaders(securityHeaders)
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Cache-Control", value: "no-cache")
            let response = HTTPResponse(status: .ok, headers: headers, body: body)
            router.addRoute(.GET, "/" + name) { _ in response }
            if name == "index.html" { router.addRoute(.GET, "/") { _ in response } }
            if name == "admin.html" { router.addRoute(.GET, "/admin") { _ in response } }
        }
    }
}

/// A page the chat server needs is missing from its resources (a packaging error).
struct StaticPagesError: Error, CustomStringConvertible {
    var resource: String
    var description: String { "resource \(resource) is missing from the SwitchboardChat bundle" }
}
