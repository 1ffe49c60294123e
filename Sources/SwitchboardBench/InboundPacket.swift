import NIOCore

/// One Engine.IO v4 packet received over WebSocket (one text frame), with the Socket.IO v5 packet
/// inside a `4` message decoded just far enough for the bench. Bodies are slices (no copy).
enum InboundPacket: Hashable, Sendable {
    /// `0{...}`: the Engine.IO handshake.
    case open(ByteBuffer)
    /// `1`: the server closes the session.
    case close
    /// `2<data>`: heartbeat ping; must be answered with `3<data>`.
    case ping(ByteBuffer)
    /// `3<data>`.
    case pong
    /// `6`.
    case noop
    /// `40{...}` (main namespace): the Socket.IO connect acknowledgement.
    case connect(ByteBuffer)
    /// `41`: the server disconnected the socket.
    case disconnect
    /// `42[<ack id>][...]`: an event; `arguments` is the JSON array.
    case event(ackID: UInt64?, arguments: ByteBuffer)
    /// `43<ack id>[...]`: an acknowledgement; `arguments` is the JSON array.
    case ack(id: UInt64, arguments: ByteBuffer)
    /// `44{...}`: the server refused the connection.
    case connectError(ByteBuffer)
    /// `45`/`46`: binary events and acks, which the bench never asks for.
    case binary

    /// Parses one text message. Namespaces other than `/` are rejected (the bench uses only `/`).
    static func parse(_ message: ByteBuffer) throws(BenchError) -> InboundPacket {
        var buffer = message
        guard let engineType = buffer.readInteger(as: UInt8.self) else {
            throw BenchError(.badPacket, "empty Engine.IO packet")
        }
        switch engineType {
        case UInt8(ascii: "0"): return .open(buffer)
        case UInt8(ascii: "1"): return .close
        case UInt8(ascii: "2"): return .ping(buffer)
        case UInt8(ascii: "3"): return .pong
        case UInt8(ascii: "6"): return .noop
        case UInt8(ascii: "4"): return try parseSocketIO(&buffer)
        default: throw BenchError(.badPacket, "unknown Engine.IO packet type \(engineType)")
        }
    }

    private static func parseSocketIO(_ buffer: inout ByteBuffer) throws(BenchError) -> InboundPacket {
        guard let socketType = buffer.readInteger(as: UInt8.self) else {
            throw BenchError(.badPacket, "empty Socket.IO packet")
        }
        if buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == UInt8(ascii: "/") {
            throw BenchError(.badPacket, "packet for a namespace other than '/'")
        }
        switch socketType {
        case UInt8(ascii: "0"): return .connect(buffer)
        case UInt8(ascii: "1"): return .disconnect
        case UInt8(ascii: "2"):
            let id = try readAckID(&buffer)
            return .event(ackID: id, arguments: buffer)
        case UInt8(ascii: "3"):
            guard let id = try readAckID(&buffer) else { throw BenchError(.badPacket, "ack without an id") }
            return .ack(id: id, arguments: buffer)
        case UInt8(ascii: "4"): return .connectError(buffer)
        case UInt8(ascii: "5"), UInt8(ascii: "6"): return .binary
        default: throw BenchError(.badPacket, "unknown Socket.IO packet type \(socketType)")
        }
    }

    /// Reads the optional decimal ack id before the JSON array.
    private static func readAckID(_ buffer: inout ByteBuffer) throws(BenchError) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), byte >= 48, byte <= 57 {
            guard digits < 19 else { throw BenchError(.badPacket, "ack id too long") }
            value = value * 10 + UInt64(byte - 48)
            digits += 1
            buffer.moveReaderIndex(forwardBy: 1)
        }
        return digits == 0 ? nil : value
    }
}

/// Decimal ASCII for unsigned integers, written straight into a buffer.
enum Decimal {
    /// The number of digits in `value`.
    static func length(of value: UInt64) -> Int {
        var n = 1
        var v = value
        while v >= 10 { v /= 10; n += 1 }
        return n
    }

    /// Appends `value` in decimal.
    static func write(_ value: UInt64, into buffer: inout ByteBuffer) {
        let count = length(of: value)
        buffer.writeRepeatingByte(0, count: count)
        var v = value
        var index = buffer.writerIndex - 1
        for _ in 0..<count {
            buffer.setInteger(UInt8(48 + v % 10), at: index)
            v /= 10
            index -= 1
        }
    }

    /// Reads a decimal number at the reader index; `nil` if there is no digit or it overflows.
    static func read(from buffer: inout ByteBuffer) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), byte >= 48, byte <= 57 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(byte - 48))
            guard !o1, !o2 else { return nil }
            value = sum
            digits += 1
            buffer.moveReaderIndex(forwardBy: 1)
        }
        return digits == 0 ? nil : value
    }
}
