import NIOCore
import SwitchboardJSON
import Testing

struct Profile: Codable, Hashable {
    enum Role: String, Codable { case admin, member }
    struct Address: Codable, Hashable { var city: String; var zip: String? }
    var name: String
    var age: UInt8
    var score: Double
    var tags: [String]
    var role: Role
    var address: Address
    var extra: JSONValue
    var nested: [[Int]]
    var optional: Int?
}

@Suite struct JSONValueCoderTests {
    let sample = Profile(
        name: "ada", age: 36, score: 1.5, tags: ["a", "b"], role: .admin,
        address: .init(city: "London", zip: nil), extra: ["free": [1, "x", nil]], nested: [[1], [2, 3]], optional: nil
    )

    @Test func roundTripsAStructWithNestingEnumsOptionalsAndFreeJSON() throws {
        let encoded = try JSONValueEncoder().encode(sample)
        #expect(try JSONValueDecoder().decode(Profile.self, from: encoded) == sample)
    }

    @Test func encodesKeysInDeclarationOrderAndOmitsNilOptionals() throws {
        let encoded = try JSONValueEncoder().encode(sample)
        #expect(encoded.objectValue?.keys == ["name", "age", "score", "tags", "role", "address", "extra", "nested"])
        #expect(encoded["address"] == ["city": "London"])
        #expect(encoded["age"] == .int(36))
    }

    @Test func encodesPrimitivesAtTheTop() throws {
        #expect(try JSONValueEncoder().encode(3) == .int(3))
        #expect(try JSONValueEncoder().encode("s") == .string("s"))
        #expect(try JSONValueEncoder().encode([true, false]) == [true, false])
        #expect(try JSONValueEncoder().encode(UInt64.max) == .double(Double(UInt64.max)))
        #expect(try JSONValueEncoder().encode(Int?.none) == .null)
    }

    @Test func refusesNonFiniteNumbers() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode([Double.infinity]) }
    }

    @Test func passesJSONValuesAndBinaryThroughUnchanged() throws {
        let value: JSONValue = ["bytes": .binary(ByteBuffer(bytes: [1, 2])), "n": 1]
        #expect(try JSONValueEncoder().encode(value) == value)
        #expect(try JSONValueDecoder().decode(JSONValue.self, from: value) == value)
    }

    @Test func decodesExactNumbersAcrossKinds() throws {
        #expect(try JSONValueDecoder().decode(Int.self, from: .double(3)) == 3)
        #expect(try JSONValueDecoder().decode(Double.self, from: .int(3)) == 3)
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Int.self, from: .double(3.5)) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(UInt8.self, from: .int(300)) }
    }

    @Test func reportsMissingKeysAndTypeMismatchesWithThePath() {
        do {
            _ = try JSONValueDecoder().decode(Profile.Address.self, from: ["zip": "1"])
            Issue.record("decoded without a city")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "city")
        } catch {
            Issue.record("unexpected \(error)")
        }
        do {
            _ = try JSONValueDecoder().decode([String].self, from: ["a", 1])
            Issue.record("decoded a number as a string")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map(\.intValue) == [1])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
