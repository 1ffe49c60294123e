import NIOCore
import SwitchboardJSON
import Testing

@Suite struct JSONSerializerTests {
    func text(_ value: JSONValue) throws -> String { try JSONSerializer.string(value) }

    @Test func writesCompactOutputInKeyOrder() throws {
        let value: JSONValue = ["z": [1, "2", ["3": [false]]], "a": nil, "b": true]
        #expect(try text(value) == #"{"z":[1,"2",{"3":[false]}],"a":null,"b":true}"#)
    }

    @Test func escapesStringsLikeJSONStringify() throws {
        #expect(try text("\"\\/\u{8}\u{c}\n\r\t\u{1}\u{1f}é😀\u{7f}") == #""\"\\/\b\f\n\r\t\u0001\u001fé😀"# + "\u{7f}\"")
    }

    @Test(arguments: [
        (1.5, "1.5"), (1e-7, "1e-7"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (100.0, "100"), (-0.0, "0"), (0.1, "0.1"), (123456789.125, "123456789.125"),
        (0.000001, "0.000001"), (1.5e-7, "1.5e-7"), (-2.5e300, "-2.5e+300"), (1e16, "10000000000000000"),
        (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
        (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (0.3, "0.3"),
        (123e-20, "1.23e-18"), (1234.5678, "1234.5678"), (-42.0, "-42"),
    ])
    func formatsDoublesLikeJavaScript(number: Double, expected: String) throws {
        #expect(try text(.double(number)) == expected)
    }

    @Test func writesIntegers() throws {
        #expect(try text([.int(0), .int(7), .int(-7), .int(.max), .int(.min)]) == "[0,7,-7,9223372036854775807,-9223372036854775808]")
    }

    @Test func rejectsBinaryLeavesInPlainJSON() {
        #expect(throws: JSONSerializationError(code: .binaryLeaf)) {
            try text(["a": .binary(ByteBuffer(bytes: [1]))])
        }
    }

    @Test func replacesBinaryLeavesWithNumberedPlaceholders() {
        var buffer = ByteBuffer()
        let first = ByteBuffer(bytes: [1, 2])
        let second = ByteBuffer(bytes: [3])
        let attachments = JSONSerializer.writeReplacingBinary(["x", .binary(first), ["k": .binary(second)]], into: &buffer)
        #expect(String(buffer: buffer) == #"["x",{"_placeholder":true,"num":0},{"k":{"_placeholder":true,"num":1}}]"#)
        #expect(attachments == [first, second])
    }

    @Test func appendsToExistingBufferContent() throws {
        var buffer = ByteBuffer(string: "42")
        try JSONSerializer.write(["a"], into: &buffer)
        #expect(String(buffer: buffer) == #"42["a"]"#)
    }
}
