/// Rules for the status code in a close frame received from the peer (RFC 6455 §7.4).
enum WebSocketCloseCode {
    /// Whether a peer may send `code` in a close frame.
    ///
    /// Valid: 1000–1003, 1007–1014 (RFC 6455 and the IANA registry: 1012 service restart, 1013 try
    /// again later, 1014 bad gateway), 3000–3999 (registered), 4000–4999 (private use).
    /// Invalid: below 1000, 1004 (reserved), 1005 and 1006 (must never be sent), 1015 (TLS failure,
    /// must never be sent), 1016–2999 (unassigned), 5000 and above.
    /// This matches the Autobahn|Testsuite cases 7.7.x (valid) and 7.9.x (invalid).
    static func isValidReceived(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
