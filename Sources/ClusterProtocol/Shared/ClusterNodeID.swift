/// The identity of one server process in a cluster: 16 random URL-safe characters, new on every start.
///
/// Nodes put their id on every message they publish, so each one can ignore its own messages and
/// answer a request on the sender's own channel.
public struct ClusterNodeID: Sendable, Hashable, CustomStringConvertible {
    /// The id as sent on the wire.
    public let rawValue: String

    /// Wraps an id read from the wire or from configuration.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// A fresh random id.
    public static func random() -> ClusterNodeID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A random id drawn from `generator` (deterministic in tests).
    public static func random(using generator: inout some RandomNumberGenerator) -> ClusterNodeID {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = alphabet[Int(generator.next(upperBound: UInt8(64)))] }
        return ClusterNodeID(String(decoding: bytes, as: UTF8.self))
    }

    /// The raw id.
    public var description: String { rawValue }
}
