/// Random socket ids: 15 random bytes as 20 URL-safe base64 characters (`A–Z a–z 0–9 - _`).
enum SocketIDGenerator {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func next() -> String {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    static func next(using generator: inout some RandomNumberGenerator) -> String {
        var bytes = [UInt8](repeating: 0, count: 20)
        // 20 characters × 6 bits = 120 random bits, the same as 15 bytes in base64.
        for index in 0..<20 {
            bytes[index] = alphabet[Int(generator.next(upperBound: UInt8(64)))]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
