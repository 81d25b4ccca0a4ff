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

    @Test func binarySpecialKeysTakeBase64TextOrANodeBuffer() throws {
        let f = format(special: [SpecialKey(name: "avatar", type: .binary)])
        #expect(try item(f, #"{"avatar":"aGk="}"#)["avatar"] == .obj(["B": "aGk="]))
        // Buffer.from("hi!?") as JSON.stringify writes it
        let buffer = try item(f, #"{"avatar":{"type":"Buffer","data":[104,105,33,63]}}"#)
        #expect(buffer["avatar"] == .obj(["B": "aGkhPw=="]))
        #expect(try item(f, #"{"avatar":{"type":"Buffer","data":[]}}"#)["avatar"] == .obj(["B": ""]))
        for bad in [#"{"avatar":"not base64!"}"#, #"{"avatar":"aGk"}"#, #"{"avatar":7}"#,
                    #"{"avatar":{"type":"Buffer","data":[256]}}"#, #"{"avatar":{"data":[1]}}"#] {
            #expect(throws: StoreError.self, "\(bad)") { _ = try item(f, bad) }
        }
        #expect(Base64.encode(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw==")
        #expect(Base64.encode(Array("any carnal pleasu".utf8)) == "YW55IGNhcm5hbCBwbGVhc3U=")
    }

    @Test func missingSpecialKeysFailUnlessSkipped() throws {
        let key = [SpecialKey(name: "userId", type: .string)]
        #expect(throws: StoreError.self) { _ = try item(format(special: key), "{}") }
        let built = try item(format(special: key, skip: true), "{}")
        #expect(built["userId"] == nil)
        #expect(throws: StoreError.self) { _ = try item(format(special: key), #"{"userId":{"nested":1}}"#) }
    }
}
