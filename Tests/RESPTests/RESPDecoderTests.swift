import NIOCore
import Testing

@testable import RESP

/// Decodes `text` completely, expecting exactly one value and no leftover bytes.
func decodeOne(_ text: String, limits: RESPDecoder.Limits = .init()) throws -> RESPValue? {
    var buffer = ByteBuffer(string: text)
    let value = try RESPDecoder(limits: limits).decode(from: &buffer)
    if value != nil { #expect(buffer.readableBytes == 0, "left over: \(String(buffer: buffer))") }
    return value
}

func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

@Suite("RESPDecoder: every RESP3 type")
struct RESPDecoderTypeTests {
    @Test("simple string, error and integer lines")
    func lines() throws {
        #expect(try decodeOne("+OK\r\n") == .simpleString(bytes("OK")))
        #expect(try decodeOne("+\r\n") == .simpleString(bytes("")))
        #expect(try decodeOne("-ERR unknown command\r\n") == .simpleError(bytes("ERR unknown command")))
        #expect(try decodeOne(":0\r\n") == .integer(0))
        #expect(try decodeOne(":-42\r\n") == .integer(-42))
        #expect(try decodeOne(":+7\r\n") == .integer(7))
        #expect(try decodeOne(":9223372036854775807\r\n") == .integer(.max))
        #expect(try decodeOne(":-9223372036854775808\r\n") == .integer(.min))
    }

    @Test("bulk strings are binary safe, including CR LF inside")
    func bulkStrings() throws {
        #expect(try decodeOne("$5\r\nhello\r\n") == .bulkString(bytes("hello")))
        #expect(try decodeOne("$0\r\n\r\n") == .bulkString(bytes("")))
        #expect(try decodeOne("$4\r\na\r\nb\r\n") == .bulkString(bytes("a\r\nb")))
        #expect(try decodeOne("!10\r\nSYNTAX bad\r\n") == .bulkError(bytes("SYNTAX bad")))
    }

    @Test("RESP2 null bulk string and null array, and RESP3 null, all decode to null")
    func nulls() throws {
        #expect(try decodeOne("$-1\r\n") == .null)
        #expect(try decodeOne("*-1\r\n") == .null)
        #expect(try decodeOne("_\r\n") == .null)
    }

    @Test("arrays, sets, pushes and maps keep their order and nest")
    func aggregates() throws {
        #expect(try decodeOne("*0\r\n") == .array([]))
        #expect(try decodeOne("*2\r\n:1\r\n$1\r\na\r\n") == .array([.integer(1), "a"]))
        #expect(try decodeOne("*2\r\n*1\r\n+x\r\n_\r\n") == .array([.array([.simpleString(bytes("x"))]), .null]))
        #expect(try decodeOne("~2\r\n:2\r\n:1\r\n") == .set([2, 1]))
        #expect(try decodeOne(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n") == .push(["message", "ch", "hi"]))
        #expect(try decodeOne("%2\r\n+b\r\n:2\r\n+a\r\n:1\r\n") == .map([
            RESPPair(key: .simpleString(bytes("b")), value: 2),
            RESPPair(key: .simpleString(bytes("a")), value: 1),
        ]))
    }

    @Test("doubles, including inf, -inf, nan and exponents")
    func doubles() throws {
        #expect(try decodeOne(",1.5\r\n") == .double(1.5))
        #expect(try decodeOne(",-10\r\n") == .double(-10))
        #expect(try decodeOne(",1e+20\r\n") == .double(1e20))
        #expect(try decodeOne(",1.5E-3\r\n") == .double(0.0015))
        #expect(try decodeOne(",inf\r\n") == .double(.infinity))
        #expect(try decodeOne(",-inf\r\n") == .double(-.infinity))
        guard case .double(let nan)? = try decodeOne(",nan\r\n") else {
            Issue.record("nan did not decode to a double")
            return
        }
        #expect(nan.isNaN)
    }

    @Test("booleans, big numbers and verbatim strings")
    func scalars() throws {
        #expect(try decodeOne("#t\r\n") == .boolean(true))
        #expect(try decodeOne("#f\r\n") == .boolean(false))
        #expect(try decodeOne("(3492890328409238509324850943850943825024385\r\n")
                == .bigNumber(bytes("3492890328409238509324850943850943825024385")))
        #expect(try decodeOne("(-12\r\n") == .bigNumber(bytes("-12")))
        #expect(try decodeOne("=15\r\ntxt:Some string\r\n")
                == .verbatimString(format: "txt", content: bytes("Some string")))
    }

    @Test("an attribute attaches to the value that follows it")
    func attributes() throws {
        let value = try decodeOne("|1\r\n+ttl\r\n:3600\r\n$3\r\nbar\r\n")
        #expect(value == .attributed("bar", attributes: [RESPPair(key: .simpleString(bytes("ttl")), value: 3600)]))
        #expect(value?.string == "bar")
    }

    @Test("values decode one at a time from a pipelined buffer")
    func pipelined() throws {
        var buffer = bytes("+OK\r\n:1\r\n$1\r\nx\r\n")
        let decoder = RESPDecoder()
        #expect(try decoder.decode(from: &buffer) == .simpleString(bytes("OK")))
        #expect(try decoder.decode(from: &buffer) == .integer(1))
        #expect(try decoder.decode(from: &buffer) == "x")
        #expect(try decoder.decode(from: &buffer) == nil)
    }

    @Test("an incomplete value consumes nothing")
    func incompleteConsumesNothing() throws {
        var buffer = bytes("*2\r\n:1\r\n$5\r\nhel")
        #expect(try RESPDecoder().decode(from: &buffer) == nil)
        #expect(buffer.readableBytes == 15)
        buffer.writeString("lo\r\n")
        #expect(try RESPDecoder().decode(from: &buffer) == .array([1, "hello"]))
    }
}

@Suite("RESPDecoder: one test per rejection rule")
struct RESPDecoderRejectionTests {
    func expectRejection(_ text: String, _ code: RESPDecodingError.Code, limits: RESPDecoder.Limits = .init(),
                         sourceLocation: SourceLocation = #_sourceLocation) {
        var buffer = bytes(text)
        #expect(throws: RESPDecodingError(code: code), sourceLocation: sourceLocation) {
            try RESPDecoder(limits: limits).decode(from: &buffer)
        }
    }

    @Test("an unknown type byte") func unknownType() { expectRejection("?x\r\n", .unknownType) }
    @Test("a streamed string or aggregate") func streamed() {
        expectRejection("$?\r\n", .unsupportedStreamedType)
        expectRejection("*?\r\n", .unsupportedStreamedType)
    }
    @Test("an integer that is not a decimal or overflows 64 bits") func invalidInteger() {
        expectRejection(":12a\r\n", .invalidInteger)
        expectRejection(":\r\n", .invalidInteger)
        expectRejection(":-\r\n", .invalidInteger)
        expectRejection(":9223372036854775808\r\n", .invalidInteger)
    }
    @Test("a negative or malformed length") func invalidLength() {
        expectRejection("$-2\r\n", .invalidLength)
        expectRejection("$x\r\n", .invalidLength)
        expectRejection("%-1\r\n", .invalidLength)
        expectRejection("!-1\r\n", .invalidLength)
        expectRejection("~-1\r\n", .invalidLength)
    }
    @Test("a malformed double") func invalidDouble() {
        expectRejection(",1.2.3\r\n", .invalidDouble)
        expectRejection(",0x10\r\n", .invalidDouble)
        expectRejection(",\r\n", .invalidDouble)
    }
    @Test("a boolean other than t or f") func invalidBoolean() {
        expectRejection("#x\r\n", .invalidBoolean)
        expectRejection("#tt\r\n", .invalidBoolean)
    }
    @Test("a big number with non-digits") func invalidBigNumber() {
        expectRejection("(12a\r\n", .invalidBigNumber)
        expectRejection("(-\r\n", .invalidBigNumber)
    }
    @Test("a verbatim string without its format prefix") func invalidVerbatim() {
        expectRejection("=3\r\ntxt\r\n", .invalidVerbatimString)
        expectRejection("=5\r\ntxt-x\r\n", .invalidVerbatimString)
    }
    @Test("a payload or line not ended by CR LF") func missingTerminator() {
        expectRejection("$3\r\nabcde\r\n", .missingTerminator)
        expectRejection("+OK\rX\n", .missingTerminator)
        expectRejection("_x\r\n", .missingTerminator)
    }
    @Test("a bulk string over the limit is refused from its header, before its bytes arrive")
    func bulkTooLong() {
        expectRejection("$11\r\n", .bulkStringTooLong, limits: .init(maxBulkLength: 10))
        expectRejection("$9999999999\r\n", .bulkStringTooLong)
        expectRejection("!11\r\n", .bulkStringTooLong, limits: .init(maxBulkLength: 10))
    }
    @Test("an aggregate over the element limit is refused from its header") func aggregateTooLarge() {
        expectRejection("*5\r\n", .aggregateTooLarge, limits: .init(maxAggregateCount: 4))
        expectRejection("%3\r\n", .aggregateTooLarge, limits: .init(maxAggregateCount: 2))
        expectRejection(">99999999999\r\n", .aggregateTooLarge)
    }
    @Test("aggregates nested deeper than the limit") func nestingTooDeep() {
        expectRejection("*1\r\n*1\r\n*1\r\n:1\r\n", .nestingTooDeep, limits: .init(maxDepth: 2))
        expectRejection(String(repeating: "*1\r\n", count: 1000), .nestingTooDeep)
        expectRejection("%1\r\n%1\r\n:1\r\n:1\r\n:1\r\n", .nestingTooDeep, limits: .init(maxDepth: 1))
    }
    @Test("a line with no CR LF within the limit, even before the CR arrives") func lineTooLong() {
        expectRejection("+" + String(repeating: "a", count: 101), .lineTooLong, limits: .init(maxLineLength: 100))
        expectRejection("+" + String(repeating: "a", count: 101) + "\r\n", .lineTooLong, limits: .init(maxLineLength: 100))
        expectRejection("$" + String(repeating: "1", count: 200), .lineTooLong, limits: .init(maxLineLength: 100))
    }
    @Test("an exactly-at-limit value is accepted") func atLimits() throws {
        let limits = RESPDecoder.Limits(maxBulkLength: 3, maxAggregateCount: 2, maxDepth: 2, maxLineLength: 3)
        #expect(try decodeOne("*2\r\n*1\r\n$3\r\nabc\r\n+xyz\r\n", limits: limits)
                == .array([.array(["abc"]), .simpleString(bytes("xyz"))]))
    }
}
