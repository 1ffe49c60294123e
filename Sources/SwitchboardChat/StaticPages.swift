import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardTransport

/// The chat's web pages, loaded once from the module's resources and served with security headers.
enum StaticPages {
    /// Served files: URL path → (resource name, content type).
    static let files: [(path: String, resource: String, contentType: String)] = [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/index.html", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "application/javascript; charset=utf-8"),
        ("/style.css", "style.css", "text/css; charset=utf-8"),
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

    /// Adds a GET route per file to `router`. Throws when a resource is missing from the bundle.
    static func add(to router: inout HTTPRouter) throws {
        for file in files {
            guard let url = Bundle.module.url(forResource: "Public/" + file.resource, withExtension: nil) else {
                throw StaticPagesError(resource: file.resource)
            }
            let body = ByteBuffer(bytes: try Data(contentsOf: url))
            var headers = HTTPHeaders(securityHeaders)
            headers.add(name: "Content-Type", value: file.contentType)
            headers.add(name: "Cache-Control", value: "no-cache")
            let response = HTTPResponse(status: .ok, headers: headers, body: body)
            router.addRoute(.GET, file.path) { _ in response }
        }
    }
}

/// A page the chat server needs is missing from its resources (a packaging error).
struct StaticPagesError: Error, CustomStringConvertible {
    var resource: String
    var description: String { "resource Public/\(resource) is missing from the SwitchboardChat bundle" }
}
