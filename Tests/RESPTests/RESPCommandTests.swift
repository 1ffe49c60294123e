import NIOCore
import Testing

@testable import RESP

@Suite("RESPCommand encoding")
struct RESPCommandTests {
    @Test("a command is an array of bulk strings, name first")
    func encodesArrayOfBulkStrings() {
        let command = RESPCommand("SET", "key", "välue", ByteBuffer(string: "\r\n"), 42, -7)
        #expect(String(buffer: command.bytes)
                == "*6\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nvälue\r\n$2\r\n\r\n\r\n$2\r\n42\r\n$2\r\n-7\r\n")
        #expect(command.name == "SET")
    }

    @Test("a command without arguments")
    func noArguments() {
        #expect(String(buffer: RESPCommand("PING").bytes) == "*1\r\n$4\r\nPING\r\n")
    }

    @Test("integers of every width encode their decimal digits and length")
    func integers() {
        for value: Int64 in [0, 9, 10, -1, -10, 1234567890, .max, .min] {
            let expected = "\(value)"
            #expect(String(buffer: RESPCommand("X", value).bytes) == "*2\r\n$1\r\nX\r\n$\(expected.utf8.count)\r\n\(expected)\r\n")
        }
    }

    @Test("a collection of arguments")
    func collection() {
        let command = RESPCommand("SUBSCRIBE", arguments: ["a", "b"])
        #expect(String(buffer: command.bytes) == "*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n")
        #expect(command.arguments == [ByteBuffer(string: "a"), ByteBuffer(string: "b")])
    }

    @Test("an encoded command decodes as an array of bulk strings")
    func decodesBack() throws {
        var bytes = RESPCommand("HSET", "h", "f", 1.5).bytes
        #expect(try RESPDecoder().decode(from: &bytes) == .array(["HSET", "h", "f", "1.5"]))
    }
}
