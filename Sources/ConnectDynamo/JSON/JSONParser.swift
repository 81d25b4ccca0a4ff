/// Why a text is not JSON, and where.
public struct JSONError: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    public var description: String { "\(reason) at byte \(offset)" }
}

extension JSON {
    /// Deepest nesting accepted: deeper input is an error, not a stack
    /// overflow in someone's web server.
    public static let maximumDepth = 256

    /// Parses exactly one JSON text (RFC 8259, strict: no trailing commas,
    /// comments, leading zeros, raw control characters or invalid UTF-8).
    /// - Throws: `JSONError`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSON {
        var parser = JSONParser(bytes: bytes, building: true)
        return try parser.parseDocument()
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSON {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSON in
            try parse(buffer)
        }
    }

    public static func parse(_ text: String) throws(JSONError) -> JSON {
        try parse(Array(text.utf8))
    }

    /// Checks that `bytes` is one JSON text whose top level is an object,
    /// without building it (the cheap check every session write gets).
    /// - Throws: `JSONError`.
    public static func validateObject(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) {
        var parser = JSONParser(bytes: bytes, building: false)
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else {
            throw JSONError(reason: "the top level is not a JSON object", offset: parser.index)
        }
        _ = try parser.parseDocument()
    }
}

/// A recursive-descent parser over bytes. With `building` false it checks
/// the grammar and the UTF-8 but allocates nothing.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let building: Bool
    var index = 0
    var depth = 0
    /// Members of the objects being parsed, innermost last: each object's
    /// array is then made once at its exact size (appending to it member by
    /// member would reallocate it as it grows, at every level).
    var pendingMembers: [JSON.Member] = []

    init(bytes: UnsafeBufferPointer<UInt8>, building: Bool) {
        self.bytes = bytes
        self.building = building
    }

    func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    func fail(_ reason: String) -> JSONError {
        JSONError(reason: reason, offset: index)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseDocument() throws(JSONError) -> JSON {
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
        return value
    }

    mutating func parseValue() throws(JSONError) -> JSON {
        skipWhitespace()
        guard let byte = peek() else { throw fail("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail("unexpected end of input") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] {
            throw fail("invalid literal")
        }
        index += count
    }

    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > JSON.maximumDepth { throw fail("nesting deeper than \(JSON.maximumDepth)") }
    }

    mutating func parseObject() throws(JSONError) -> JSON {
        try enter()
        index += 1  // {
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object([])
        }
        let first = pendingMembers.count
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            let value = try parseValue()
            if building { pendingMembers.append(JSON.Member(key, value)) }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                guard building else { return .object([]) }
                let members = Array(pendingMembers[first...])
                pendingMembers.removeSubrange(first...)
                return .object(members)
            case nil: throw fail("unexpected end of input")
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    mutating func parseArray() throws(JSONError) -> JSON {
        try enter()
        index += 1  // [
        var items: [JSON] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            let value = try parseValue()
            if building { items.append(value) }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(items)
            case nil: throw fail("unexpected end of input")
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    mutating func parseNumber() throws(JSONError) -> JSON {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw fail("invalid number") }
        index += 1
        if first == UInt8(ascii: "0"), let next = peek(), isDigit(next) {
            throw fail("leading zero in a number")
        }
        skipDigits()
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let d = peek(), isDigit(d) else { throw fail("invalid number") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let d = peek(), isDigit(d) else { throw fail("invalid number") }
            skipDigits()
        }
        guard building else { return .null }
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    mutating func skipDigits() {
        while let b = peek(), isDigit(b) { index += 1 }
    }

    /// Parses a string literal starting at the opening quote. Raw bytes are
    /// checked as UTF-8; `\u` escapes pair surrogates, and a lone surrogate
    /// (legal JSON, which JavaScript produces) decodes as U+FFFD.
    mutating func parseString() throws(JSONError) -> String {
        index += 1  // opening quote
        let start = index
        // Most strings (every key, most values) have no escape: made
        // straight from the input, with no buffer in between (and no
        // allocation at all for the short ones Swift keeps inline).
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: bytes[start..<index])
                guard UTF8Check.isValid(run) else {
                    throw JSONError(reason: "invalid UTF-8 in a string", offset: start)
                }
                index += 1
                return building ? String(decoding: run, as: UTF8.self) : ""
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        // An escape (or an error) ahead: decoded into a buffer, the run
        // scanned so far first (it holds no quote, escape or control).
        var decoded: [UInt8] = []
        if building { decoded.reserveCapacity(min(bytes.count - start, 256)) }
        var runStart = start
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                try flushRun(from: runStart, into: &decoded)
                index += 1
                return building ? String(decoding: decoded, as: UTF8.self) : ""
            } else if byte == UInt8(ascii: "\\") {
                try flushRun(from: runStart, into: &decoded)
                try parseEscape(into: &decoded)
                runStart = index
            } else if byte < 0x20 {
                throw fail("control character in a string")
            } else {
                index += 1
            }
        }
    }

    /// Validates the raw run bytes[start..<index] as UTF-8 and keeps them.
    func flushRun(from start: Int, into decoded: inout [UInt8]) throws(JSONError) {
        guard start < index else { return }
        let run = UnsafeBufferPointer(rebasing: bytes[start..<index])
        guard UTF8Check.isValid(run) else {
            throw JSONError(reason: "invalid UTF-8 in a string", offset: start)
        }
        if building { decoded.append(contentsOf: run) }
    }

    mutating func parseEscape(into decoded: inout [UInt8]) throws(JSONError) {
        index += 1  // backslash
        guard let byte = peek() else { throw fail("unterminated escape") }
        index += 1
        let simple: UInt8?
        switch byte {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw fail("invalid escape")
        }
        if let simple {
            if building { decoded.append(simple) }
            return
        }
        var scalar = try parseHex4()
        if (0xD800...0xDBFF).contains(scalar),
           bytes.count - index >= 6,
           bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
        {
            let save = index
            index += 2
            let low = try parseHex4()
            if (0xDC00...0xDFFF).contains(low) {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else {
                index = save  // not a pair: the high one stands alone
            }
        }
        guard building else { return }
        let value = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        decoded.append(contentsOf: String(Character(value)).utf8)
    }

    mutating func parseHex4() throws(JSONError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
