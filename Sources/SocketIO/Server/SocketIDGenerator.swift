import EngineIO

/// Random socket ids: 120 random bits as 20 URL-safe base64 characters (`A–Z a–z 0–9 - _`).
enum SocketIDGenerator {
    static func next() -> String { RandomIdentifier.make() }
}
