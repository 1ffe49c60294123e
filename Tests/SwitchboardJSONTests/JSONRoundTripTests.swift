import SwitchboardJSON
import SwitchboardTestSupport
import Testing


enum RandomJSON {
    static let characters: [Character] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "😀", "中", "\u{7f}", "\u{2028}"]

    static func string(_ g: inout SeededGenerator) -> String {
        String((0..<Int.random(in: 0...8, using: &g)).map { _ in characters.randomElement(using: &g)! })
    }

    static func double(_ g: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &g) {
        case 0: return Double(bitPattern: g.next())
        case 1: return Double.random(in: -1e6...1e6, using: &g)
        case 2: return Double(Int.random(in: -1000...1000, using: &g)) / 8
        default: return Double.random(in: 0...1, using: &g) * pow10(Int.random(in: -30...30, using: &g))
        }
    }

    static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }

    static func value(_ g: inout SeededGenerator, depth: Int = 0) -> JSONValue {
        let kinds = depth > 4 ? 5 : 7
        switch Int.random(in: 0..<kinds, using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2: return .int(Int64(bitPattern: g.next()) >> Int64.random(in: 0...63, using: &g))
        case 3:
            let number = double(&g)
            // Integral doubles come back as ints, non-finite ones as null: normalize to what JSON can carry.
            return .double(number.isFinite && number.rounded() != number ? number : 0.5)
        case 4: return .string(string(&g))
        case 5: return .array((0..<Int.random(in: 0...4, using: &g)).map { _ in value(&g, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...4, using: &g) { object[string(&g)] = value(&g, depth: depth + 1) }
            return .object(object)
        }
    }
}

@Suite struct JSONRoundTripTests {
    @Test(arguments: 0..<20)
    func serializeThenParseGivesTheSameValue(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed))
        let parser = JSONParser()
        for _ in 0..<200 {
            let value = RandomJSON.value(&generator)
            let text = try JSONSerializer.string(value)
            let parsed = try parser.parse(text)
            #expect(parsed == value, "seed \(seed): \(text)")
            #expect(try JSONSerializer.string(parsed) == text)
        }
    }
}
