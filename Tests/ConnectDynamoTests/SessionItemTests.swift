import Testing
@testable import ConnectDynamo

struct SessionItemTests {
    func format(prefix: String = "sess:", special: [SpecialKey] = [], skip: Bool = false) -> SessionItem {
        var options = StoreOptions()
        options.prefix = prefix
        options.specialKeys = special
        options.skipMissingSpecialKeys = skip
        return SessionItem(options: options)
    }

    func item(_ f: SessionItem, _ json: String, expires: Int64 = 1_800_000_000) throws -> JSON {
        try Array(json.utf8).withUnsafeBufferPointer { (b) throws(StoreError) -> JSON in
            try f.item(id: "abc", data: b, expires: expires)
        }
    }

    @Test func theItemIsConnectDynamodbsLayoutByteForByte() throws {
        let encoded = try item(format(), #"{"cookie":{"maxAge":5}}"#).encodedString()
        #expect(encoded == #"{"id":{"S":"sess:abc"},"expires":{"N":"1800000000"},"type":{"S":"connect-session"},"sess":{"S":"{\"cookie\":{\"maxAge\":5}}"}}"#)
    }

    @Test func readingAcceptsFractionalExpiryAndHidesExpiredOrEmptyItems() throws {
        let f = format()
        let live = try JSON.parse(#"{"id":{"S":"sess:x"},"expires":{"N":"1716286399.998"},"type":{"S":"connect-session"},"sess":{"S":"{}"}}"#)
        #expect(f.session(from: live, now: 1716286300)?.expires == 1716286399)
        #expect(f.session(from: live, now: 1716286399.998) == nil)
        let noExpiry = try JSON.parse(#"{"id":{"S":"sess:x"},"sess":{"S":"{\"a\":1}"}}"#)
        #expect(f.session(from: noExpiry, now: 9e9)?.expires == 0)
        #expect(f.session(from: noExpiry, now: 9e9)?.data == Array(#"{"a":1}"#.utf8))
        let noSess = try JSON.parse(#"{"id":{"S":"sess:x"},"expires":{"N":"9999999999"}}"#)
        #expect(f.session(from: noSess, now: 0) == nil)
        let otherPrefix = try JSON.parse(#"{"id":{"S":"other:x"},"sess":{"S":"{}"}}"#)
        #expect(f.session(from: otherPrefix, now: 0) == nil)
    }

    @Test func idsAreCheckedAgainstTheKeyLimit() {
        let f = format()
        #expect(throws: StoreError.self) { try f.validate(id: "") }
        #expect(throws: StoreError.self) { try f.validate(id: String(repeating: "a", count: 2044)) }
        #expect((try? f.validate(id: String(repeating: "a", count: 2043))) != nil)
    }

    @Test func oversizedSessionsAreRefusedBeforeSending() {
        let big = "{\"a\":\"" + String(repeating: "x", count: 410_000) + "\"}"
        #expect(throws: StoreError(.tooLarge, "session item is 410058 bytes; DynamoDB items are at most 409600")) {
            _ = try item(format(), big)
        }
    }

    @Test func specialKeysAreCopiedWithTheirTypes() throws {
        let f = format(special: [SpecialKey(name: "userId", type: .string), SpecialKey(name: "age", type: .number),
                                 SpecialKey(name: "admin", type: .bool)])
        let built = try item(f, #"{"userId":"u1","age":42,"admin":true}"#)
        #expect(built["userId"] == .obj(["S": "u1"]))
        #expect(built["age"] == .obj(["N": "42"]))
        #expect(built["admin"] == .obj(["BOOL": true]))
    }

    @Test func missingSpecialKeysFailUnlessSkipped() throws {
        let key = [SpecialKey(name: "userId", type: .string)]
        #expect(throws: StoreError.self) { _ = try item(format(special: key), "{}") }
        let built = try item(format(special: key, skip: true), "{}")
        #expect(built["userId"] == nil)
        #expect(throws: StoreError.self) { _ = try item(format(special: key), #"{"userId":{"nested":1}}"#) }
    }
}
