/// Reads the timestamps that credential services put in `Expiration`
/// ("2024-05-01T12:34:56Z", "2024-05-01T12:34:56.123+02:00"). Pure
/// arithmetic rather than Foundation or strptime: the core stays on the
/// standard library, and a hostile string can only ever yield nil.
enum ISO8601 {
    /// Epoch seconds (with the fraction) of an RFC 3339 / ISO 8601
    /// date-time with a `Z` or numeric offset; nil when it is not one.
    static func epochSeconds(_ text: String) -> Double? {
        var reader = Reader(bytes: Array(text.utf8))
        return reader.dateTime()
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func dateTime() -> Double? {
            guard let year = digits(4), expect("-"), let month = digits(2), expect("-"),
                  let day = digits(2)
            else { return nil }
            guard let separator = next(), separator == UInt8(ascii: "T")
                    || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ")
            else { return nil }
            guard let hour = digits(2), expect(":"), let minute = digits(2), expect(":"),
                  let second = digits(2)
            else { return nil }
            guard (1...12).contains(month), (1...ISO8601.daysIn(month: month, year: year)).contains(day),
                  (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
            else { return nil }

            var fraction = 0.0
            if peek() == UInt8(ascii: ".") || peek() == UInt8(ascii: ",") {
                index += 1
                var scale = 0.1
                var count = 0
                while let b = peek(), isDigit(b) {
                    fraction += Double(b - UInt8(ascii: "0")) * scale
                    scale /= 10
                    count += 1
                    index += 1
                }
                guard count > 0 else { return nil }
            }

            guard let zone = next() else { return nil }
            var offsetSeconds = 0
            switch zone {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                break
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let offsetHours = digits(2) else { return nil }
                if peek() == UInt8(ascii: ":") { index += 1 }
                guard let offsetMinutes = digits(2), offsetHours <= 23, offsetMinutes <= 59 else { return nil }
                offsetSeconds = (offsetHours * 60 + offsetMinutes) * 60
                if zone == UInt8(ascii: "-") { offsetSeconds = -offsetSeconds }
            default:
                return nil
            }
            guard index == bytes.count else { return nil }

            // All fields are bounded above (year <= 9999), so none of this
            // arithmetic can overflow.
            let days = ISO8601.daysFromCivil(year: year, month: month, day: day)
            let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
            return Double(seconds) + fraction
        }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func next() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func expect(_ ch: Unicode.Scalar) -> Bool {
            guard peek() == UInt8(ascii: ch) else { return false }
            index += 1
            return true
        }

        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

        /// Exactly `count` decimal digits.
        mutating func digits(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let b = peek(), isDigit(b) else { return nil }
                value = value * 10 + Int(b - UInt8(ascii: "0"))
                index += 1
            }
            return value
        }
    }

    static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard
    /// Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }
}
