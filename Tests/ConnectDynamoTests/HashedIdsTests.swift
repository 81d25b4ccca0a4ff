import Testing
@testable import ConnectDynamo

/// Hashed ids: known answers, the item format, and the migration from
/// plain keys, against the local DynamoDB.
struct HashedIdsTests {
    static let endpoint = StoreFixture.endpoint

    @Test func unkeyedHashIsSHA256InHex() {
        // FIPS 180-2's "abc" and the empty message
        #expect(IdHash(secret: nil).hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(IdHash(secret: nil).hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func keyedHashIsHMACSHA256InHex() {
        // RFC 4231 test cases 1 and 2
        #expect(IdHash(secret: [UInt8](repeating: 0x0b, count: 20)).hex("Hi There")
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(IdHash(secret: Array("Jefe".utf8)).hex("what do ya want for nothing?")
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func optionRulesEachHaveTheirMessage() {
        func message(_ change: (inout StoreOptions) -> Void) -> String? {
            var options = StoreOptions()
            change(&options)
            do { try options.validate(); return nil } catch { return error.message }
        }
        #expect(message { $0.idHashSecret = Array(repeating: 1, count: 32) } == "id_hash_secret needs hash_ids")
        #expect(message { $0.hashIds = true; $0.idHashSecret = Array(repeating: 1, count: 15) }
                == "id_hash_secret must be at least 16 bytes (and at most 1024)")
        #expect(message { $0.hashIds = true; $0.idHashSecret = Array(repeating: 1, count: 1025) }
                == "id_hash_secret must be at least 16 bytes (and at most 1024)")
        #expect(message { $0.readPlainIds = true } == "read_plain_ids needs hash_ids")
        #expect(message { $0.userField = "a..b" }?.hasPrefix("user_field must be") == true)
        #expect(message { $0.userIndexName = "by-user" } == "user_index_name needs user_field")
        #expect(message { $0.userField = "user"; $0.userIndexName = "x" }?.hasPrefix("user_index_name") == true)
        #expect(message { $0.userField = "user"; $0.hashKey = "uid" }?.contains("\"uid\"") == true)
        #expect(message { $0.hashIds = true; $0.idHashSecret = Array(repeating: 1, count: 16);
                          $0.readPlainIds = true; $0.userField = "passport.user" } == nil)
    }

    @Test func theItemKeyAndUidHoldHashesNeverTheIds() throws {
        var options = StoreOptions()
        options.hashIds = true
        options.userField = "passport.user"
        let format = SessionItem(options: options)
        let session = Array(#"{"passport":{"user":"ada"},"cookie":{}}"#.utf8)
        let item = try session.withUnsafeBufferPointer { try format.item(id: "sid-1", data: $0, expires: 5) }
        #expect(item["id"]?["S"]?.stringValue == "sess:" + IdHash(secret: nil).hex("sid-1"))
        #expect(item["uid"]?["S"]?.stringValue == IdHash(secret: nil).hex("ada"))
        #expect(!String(decoding: item.encoded(), as: UTF8.self).contains("sid-1"))
        // a number is a user id too; a session without one has no uid
        var plain = StoreOptions()
        plain.userField = "user"
        let numbered = try Array(#"{"user":42}"#.utf8).withUnsafeBufferPointer {
            try SessionItem(options: plain).item(id: "s", data: $0, expires: 5)
        }
        #expect(numbered["uid"]?["S"]?.stringValue == "42")
        let anonymous = try Array(#"{"user":null}"#.utf8).withUnsafeBufferPointer {
            try SessionItem(options: plain).item(id: "s", data: $0, expires: 5)
        }
        #expect(anonymous["uid"] == nil)
    }

    func openStore(_ table: String, _ change: (inout StoreOptions) -> Void = { _ in }) throws -> SessionStore {
        var options = StoreFixture.options(table: table)
        change(&options)
        return try SessionStore(options: options)
    }

    /// Every item of the table, as DynamoDB's JSON text.
    func scanText(_ store: SessionStore) throws -> String {
        let items = try answer { (done: @escaping SessionStore.Completion<[UInt8]>) in
            try store.submit(done) { finish in
                store.client.call("Scan", .obj(["TableName": .string(store.options.table)])) { result in
                    finish(result.map { ($0["Items"] ?? .null).encoded() }.mapError(\.error))
                }
            }
        }
        return String(decoding: items, as: UTF8.self)
    }

    @Test(.enabled(if: endpoint != nil))
    func everyCallWorksUnderHashedIdsAndTheTableHoldsNoId() throws {
        let secret = Array("0123456789abcdef0123".utf8)
        let store = try openStore(uniqueTable("hashed")) { $0.hashIds = true; $0.idHashSecret = secret }
        defer { store.close() }
        let ids = ["sid-alpha-1", "sid-beta-2"]
        for id in ids { try answer { try store.save(id, data: Array(#"{"n":1}"#.utf8), expires: 0, base: nil, $0) } }
        try answer { try store.set("sid-plain-set-3", data: Array(#"{"n":3}"#.utf8), expires: 0, $0) }
        let read = try answer { try store.get(ids[0], $0) }
        #expect(read.id == ids[0] && read.data == Array(#"{"n":1}"#.utf8))
        try answer { try store.save(ids[0], data: Array(#"{"n":2}"#.utf8), expires: 0,
                                  base: .init(version: read.version, data: read.data), $0) }
        try answer { try store.touch(ids[1], expires: Int64(Clock.epochSeconds()) + 500, $0) }
        #expect(try answer { try store.length($0) } == 3)
        // the scans give the hashed keys: the table has nothing else to give
        let listed = Set(try answer { try store.list(withData: false, $0) }.map(\.id))
        #expect(listed == Set((ids + ["sid-plain-set-3"]).map { IdHash(secret: secret).hex($0) }))
        let text = try scanText(store)
        for id in ids + ["sid-plain-set-3"] { #expect(!text.contains(id)) }
        try answer { try store.destroy(ids[0], $0) }
        #expect(throws: StoreError.self) { try answer { try store.get(ids[0], $0) } }
        #expect(try answer { try store.clear($0) } == 2)
    }

    @Test(.enabled(if: endpoint != nil))
    func plainSessionsAreReadAndRewrittenHashedOnTheirNextSave() throws {
        let table = uniqueTable("migrate")
        let old = try openStore(table)
        let new = try openStore(table) { $0.hashIds = true; $0.readPlainIds = true }
        let strict = try openStore(table) { $0.hashIds = true }
        defer { old.close(); new.close(); strict.close() }
        try answer { try old.set("legacy", data: Array(#"{"user":"ada"}"#.utf8), expires: 0, $0) }
        try answer { try old.set("legacy2", data: Array(#"{"user":"bob"}"#.utf8), expires: 0, $0) }
        // without the fallback the plain item is not found; with it, it is
        #expect(throws: StoreError.self) { try answer { try strict.get("legacy", $0) } }
        let read = try answer { try new.get("legacy", $0) }
        #expect(read.data == Array(#"{"user":"ada"}"#.utf8) && read.version == 0)
        try answer { try new.save("legacy", data: Array(#"{"user":"ada","n":1}"#.utf8), expires: 0,
                                base: .init(version: read.version, data: read.data), $0) }
        // now under the hashed key only, with the save's change
        #expect(try answer { try strict.get("legacy", $0) }.data == Array(#"{"user":"ada","n":1}"#.utf8))
        #expect(throws: StoreError.self) { try answer { try old.get("legacy", $0) } }
        // touch and destroy reach a plain item not yet rewritten
        // two requests that read the same plain session both keep their change
        try answer { try old.set("shared", data: Array(#"{"a":0,"b":0}"#.utf8), expires: 0, $0) }
        let first = try answer { try new.get("shared", $0) }, second = try answer { try new.get("shared", $0) }
        try answer { try new.save("shared", data: Array(#"{"a":1,"b":0}"#.utf8), expires: 0,
                                  base: .init(version: first.version, data: first.data), $0) }
        try answer { try new.save("shared", data: Array(#"{"a":0,"b":2}"#.utf8), expires: 0,
                                  base: .init(version: second.version, data: second.data), $0) }
        #expect(try answer { try strict.get("shared", $0) }.data == Array(#"{"a":1,"b":2}"#.utf8))
        #expect(throws: StoreError.self) { try answer { try old.get("shared", $0) } }
        let later = Int64(Clock.epochSeconds()) + 90_000
        try answer { try new.touch("legacy2", expires: later, $0) }
        #expect(try answer { try old.get("legacy2", $0) }.expires == later)
        try answer { try new.destroy("legacy2", $0) }
        #expect(throws: StoreError.self) { try answer { try old.get("legacy2", $0) } }
    }
}
