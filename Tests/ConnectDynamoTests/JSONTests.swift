import Testing
@testable import ConnectDynamo

struct JSONTests {
    func roundTrip(_ text: String) throws -> String {
        try JSON.parse(text).encodedString()
    }

    @Test(arguments: [
        #"{}"#, #"[]"#, #"null"#, #"true"#, #"false"#, #"0"#, #"-0"#, #"1.5e-7"#, #"-12.25E+3"#,
        #"{"a":[1,2,{"b":null}],"c":"d"}"#, #""""#, #"[[[[[]]]]]"#,
    ])
    func compactTextRoundTripsByteForByte(_ text: String) throws {
        #expect(try roundTrip(text) == text)
    }

    @Test func objectMembersKeepTheirOrder() throws {
        #expect(try roundTrip(#"{"z":1,"a":2,"m":3}"#) == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func whitespaceIsDroppedOnEncode() throws {
        #expect(try roundTrip(" { \"a\" : [ 1 , 2 ] }\n") == #"{"a":[1,2]}"#)
    }

    @Test func escapesDecodeAndReencodeMinimally() throws {
        let parsed = try JSON.parse(#""q\"b\\s\/n\nt\tr\rb\bf\fu\u0001\u00e9""#)
        #expect(parsed == .string("q\"b\\s/n\nt\tr\rb\u{8}f\u{C}u\u{1}é"))
        #expect(parsed.encodedString() == #""q\"b\\s/n\nt\tr\rb\bf\fu\u0001é""#)
    }

    @Test func surrogatePairsCombineAndLoneOnesBecomeReplacement() throws {
        #expect(try JSON.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSON.parse(#""\ud83dx""#) == .string("\u{FFFD}x"))
        #expect(try JSON.parse(#""\ude00""#) == .string("\u{FFFD}"))
    }

    @Test func unicodeTextPassesThroughRaw() throws {
        let text = #"{"name":"Zoë ☃ 日本 😀"}"#
        #expect(try roundTrip(text) == text)
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\"}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1",
        "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "[1 2]", "{\"a\":1}{}", "NaN",
        "\"tab\there\"", "// comment\n{}", "'single'",
    ])
    func malformedAndTruncatedInputIsRejected(_ text: String) {
        #expect(throws: JSONError.self) { try JSON.parse(text) }
    }

    @Test func invalidUTF8IsRejected() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                               [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]] {
            #expect(throws: JSONError.self) { try JSON.parse(bytes) }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError.self) { try JSON.parse(deep) }
        let ok = String(repeating: "[", count: JSON.maximumDepth) + String(repeating: "]", count: JSON.maximumDepth)
        #expect((try? JSON.parse(ok)) != nil)
    }

    @Test func validateObjectAcceptsOnlyObjects() {
        func check(_ text: String) -> Bool {
            Array(text.utf8).withUnsafeBufferPointer { buffer in
                (try? JSON.validateObject(buffer)) != nil
            }
        }
        #expect(check(#"{"cookie":{"maxAge":1}}"#))
        #expect(check(" {} "))
        #expect(!check("[]"))
        #expect(!check("\"s\""))
        #expect(!check(#"{"a":1} x"#))
        #expect(!check(""))
    }

    @Test func errorsSayWhere() {
        do {
            _ = try JSON.parse("[1, x]")
            Issue.record("parsed")
        } catch {
            #expect(error.offset == 4)
        }
    }

    @Test func numbersAndStringsConvert() throws {
        #expect(JSON.string("1716286399.998").doubleValue == 1716286399.998)
        #expect(JSON.string("1716286399.998").int64Value == 1716286399)
        #expect(JSON.number("42").int64Value == 42)
        #expect(JSON.string("1e400").int64Value == nil)
        #expect(JSON.string("abc").doubleValue == nil)
    }

    @Test func randomTextNeverCrashesTheParser() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\":,\\ u0123456789eE+-.tfnrl\u{00}abc".utf8) + [0xC3, 0xA9, 0xFF]
        for _ in 0..<5000 {
            let length = Int.random(in: 0..<40, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            if let value = try? JSON.parse(bytes) {
                // whatever parses re-encodes to text that parses to the same value
                #expect((try? JSON.parse(value.encoded())) == value)
            }
        }
    }
}
