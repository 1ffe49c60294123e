/// Formats doubles the way JavaScript's `Number.prototype.toString()` does (ECMA-262 Number::toString).
enum JavaScriptNumberFormat {
    /// The JavaScript text of a finite, non-zero double.
    static func format(_ number: Double) -> String {
        // Swift's description gives the shortest digits that round-trip, like JavaScript; only the layout differs.
        let (digits, pointPosition) = decimalDigits(of: number.magnitude)
        let k = digits.count
        let n = pointPosition
        var result = number < 0 ? "-" : ""
        if k <= n && n <= 21 {
            result += String(decoding: digits, as: UTF8.self)
            result += String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            result += String(decoding: digits[0..<n], as: UTF8.self)
            result += "."
            result += String(decoding: digits[n...], as: UTF8.self)
        } else if -6 < n && n <= 0 {
            result += "0."
            result += String(repeating: "0", count: -n)
            result += String(decoding: digits, as: UTF8.self)
        } else {
            result += String(decoding: digits[0..<1], as: UTF8.self)
            if k > 1 {
                result += "."
                result += String(decoding: digits[1...], as: UTF8.self)
            }
            let exponent = n - 1
            result += exponent < 0 ? "e-" : "e+"
            result += String(exponent.magnitude)
        }
        return result
    }

    /// The significant decimal digits (no leading or trailing zeros) and the position of the decimal
    /// point relative to the first digit: value = 0.d1d2...dk × 10^pointPosition.
    static func decimalDigits(of magnitude: Double) -> (digits: [UInt8], pointPosition: Int) {
        let text = magnitude.description.utf8
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        var integerDigitCount = 0
        var seenPoint = false
        var exponent = 0
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte)
                if !seenPoint { integerDigitCount += 1 }
            case UInt8(ascii: "."):
                seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var sign = 1
                var value = 0
                while let next = iterator.next() {
                    switch next {
                    case UInt8(ascii: "-"): sign = -1
                    case UInt8(ascii: "+"): break
                    default: value = value * 10 + Int(next - UInt8(ascii: "0"))
                    }
                }
                exponent = sign * value
            default:
                break
            }
        }
        var pointPosition = integerDigitCount + exponent
        var leading = 0
        while leading < digits.count - 1 && digits[leading] == UInt8(ascii: "0") {
            leading += 1
            pointPosition -= 1
        }
        var end = digits.count
        while end > leading + 1 && digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
        return (Array(digits[leading..<end]), pointPosition)
    }
}
