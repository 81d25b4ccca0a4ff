import Testing
@testable import ConnectDynamo

/// Sessions encrypted at rest: the exact format, tampering, the key ring's
/// rules, every read and write path against the local endpoint, rotation
/// between stores with different rings, and whole-table re-encryption.
struct EncryptionTests {
    static let endpoint = StoreFixture.endpoint

    static let key1 = EncryptionKey(id: "k1", bytes: Array(0..<32))
    static let key2 = EncryptionKey(id: "k2", bytes: Array(100..<132))

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    /// Computed independently with Python's `cryptography` (AESGCM): key
    /// 00..1f, nonce a0..ab, key id "k1", item key "sess:abc", associated
    /// data = header + item key.
    static let knownBlob = hex("01026b31a0a1a2a3a4a5a6a7a8a9aaab9d3a095e20b920854004ebba641fe2a3388687c8de668510dd3bcf457006fe73")
    static let knownText = Array(#"{"user":"alice"}"#.utf8)

    @Test func sealingWithAFixedNonceGivesTheDocumentedBytes() throws {
        let sealed = EncryptionTests.knownText.withUnsafeBufferPointer {
            SessionCipher.seal($0, format: .json, key: EncryptionTests.key1, itemKey: "sess:abc", nonce: Array(0xA0...0xAB))
        }
        #expect(sealed == EncryptionTests.knownBlob)
    }

    @Test func aKnownCiphertextDecrypts() throws {
        let opened = try SessionCipher.open(EncryptionTests.knownBlob, ring: [EncryptionTests.key2, EncryptionTests.key1],
                                            itemKey: "sess:abc").get()
        #expect(opened.0 == .json && opened.1 == EncryptionTests.knownText)
    }

    @Test func freshNoncesMakeEveryWriteDifferent() throws {
        let a = EncryptionTests.knownText.withUnsafeBufferPointer {
            SessionCipher.seal($0, format: .json, key: EncryptionTests.key1, itemKey: "sess:abc")
        }
        let b = EncryptionTests.knownText.withUnsafeBufferPointer {
            SessionCipher.seal($0, format: .json, key: EncryptionTests.key1, itemKey: "sess:abc")
        }
        #expect(a != nil && a != b && a?.count == b?.count)
    }

    @Test func tamperingIsRefused() {
        let blob = EncryptionTests.knownBlob, ring = [EncryptionTests.key1]
        func open(_ bytes: [UInt8], ring: [EncryptionKey] = ring, itemKey: String = "sess:abc") -> SessionCipher.Failure? {
            if case .failure(let failure) = SessionCipher.open(bytes, ring: ring, itemKey: itemKey) { return failure }
            return nil
        }
        // a flipped bit anywhere after the header: nonce, ciphertext, tag
        for position in [4, 4 + 12, blob.count - 1] {
            var flipped = blob
            flipped[position] ^= 0x01
            #expect(open(flipped) == .notAuthentic)
        }
        // the same id with other key bytes (a swapped key)
        #expect(open(blob, ring: [EncryptionKey(id: "k1", bytes: EncryptionTests.key2.bytes)]) == .notAuthentic)
        // another item's key as associated data (copied under another id)
        #expect(open(blob, itemKey: "sess:abd") == .notAuthentic)
        // truncated: short of a tag, or of a header
        #expect(open(Array(blob.prefix(2 + 2 + 12 + 15))) == .truncated)
        #expect(open([1]) == .truncated)
        #expect(open([]) == .truncated)
        // an id the ring does not hold
        #expect(open(blob, ring: [EncryptionTests.key2]) == .unknownKey("k1"))
        // an unknown format byte, and a known one changed (authenticated)
        var format = blob
        format[0] = 9
        #expect(open(format) == .unknownFormat(9))
        format[0] = 2
        #expect(open(format) == .notAuthentic)
    }

    @Test func theKeyRingIsValidatedInTheCore() {
        func message(_ ring: [EncryptionKey]) -> String? {
            var options = StoreOptions()
            options.encryptionKeys = ring
            do { try options.validate() } catch { return error.message }
            return nil
        }
        #expect(message([EncryptionTests.key1, EncryptionTests.key2]) == nil)
        #expect(message([EncryptionKey(id: "short", bytes: [1, 2, 3])])?.contains("must be 32 bytes") == true)
        #expect(message([EncryptionKey(id: "", bytes: EncryptionTests.key1.bytes)])?.contains("id must be 1-255") == true)
        #expect(message([EncryptionKey(id: String(repeating: "i", count: 256), bytes: EncryptionTests.key1.bytes)])?
            .contains("id must be 1-255") == true)
        #expect(message([EncryptionTests.key1, EncryptionKey(id: "k1", bytes: EncryptionTests.key2.bytes)])?
            .contains("duplicate") == true)
        let many = (0..<17).map { EncryptionKey(id: "k\($0)", bytes: EncryptionTests.key1.bytes) }
        #expect(message(many)?.contains("more than 16") == true)
        // no message names key bytes
        #expect(message([EncryptionKey(id: "x", bytes: Array(repeating: 0x41, count: 31))])?.contains("AAAA") == false)
    }

    @Test func keysNeverAppearInDescriptions() {
        var options = StoreOptions()
        options.encryptionKeys = [EncryptionKey(id: "k1", bytes: Array(repeating: 0xAB, count: 32))]
        for text in [String(describing: options.encryptionKeys), String(reflecting: options.encryptionKeys[0]),
                     "\(options.encryptionKeys[0])", { var out = ""; dump(options, to: &out); return out }()] {
            #expect(text.contains("k1"))
            #expect(!text.contains("171") && !text.lowercased().contains("ab, ") && !text.contains("0xab"))
        }
    }

    // MARK: - Against the local endpoint

    final class Warnings: Sendable {
        let lines = Locked<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    func openStore(table: String, ring: [EncryptionKey], threshold: Int? = nil, warnings: Warnings? = nil,
                   lastWriterWins: Bool = false) throws -> SessionStore {
        var options = StoreFixture.options(table: table, prefix: "e:")
        options.encryptionKeys = ring
        options.compressThresholdBytes = threshold
        options.lastWriterWins = lastWriterWins
        if let warnings {
            options.logger = Logger(level: .warn) { _, line in warnings.lines.withLock { $0.append(line) } }
        }
        return try SessionStore(options: options)
    }

    func wait<T: Sendable>(_ start: (@escaping SessionStore.Completion<T>) throws -> Void) throws -> T {
        try answer(start)
    }

    func raw(_ store: SessionStore, _ id: String) throws -> JSON {
        try JSON.parse(try wait { try store.item(id, $0) })
    }

    func keyId(_ item: JSON) -> String? {
        guard let encoded = item[SessionCipher.attribute]?["B"]?.stringValue, let blob = Base64.decode(encoded) else { return nil }
        return SessionCipher.envelope(of: blob)?.keyId
    }

    func code(_ start: () throws -> Void) -> StoreError.Code? {
        do { try start() } catch let error as StoreError { return error.code } catch { return .failure }
        return nil
    }

    @Test(.enabled(if: endpoint != nil))
    func everyWritePathEncryptsAndEveryReadPathDecrypts() throws {
        let store = try openStore(table: uniqueTable("crypt"), ring: [EncryptionTests.key1], threshold: 2000)
        defer { store.close() }
        let secret = #"{"token":"s3cr3t-bearer"}"#
        try wait { try store.set("plain", data: Array(secret.utf8), expires: 0, $0) }
        try wait { try store.set("plain", data: Array(secret.utf8), expires: 0, $0) }
        try wait { try store.set("created", data: Array(secret.utf8), expires: 0, condition: .noLiveSession, $0) }
        try wait { try store.save("saved", data: Array(secret.utf8), expires: 0, base: nil, $0) }
        let big = "{\"token\":\"s3cr3t-bearer\",\"pad\":\"" + String(repeating: "x", count: 5000) + "\"}"
        try wait { try store.save("big", data: Array(big.utf8), expires: 0, base: nil, $0) }
        for id in ["plain", "created", "saved", "big"] {
            let item = try raw(store, id)
            #expect(item["sess"] == nil && item[SessionCompression.attribute] == nil, "\(id)")
            #expect(keyId(item) == "k1", "\(id)")
            #expect(!String(decoding: item.encoded(), as: UTF8.self).contains("s3cr3t"), "\(id)")
            #expect(item[WriteStamp.versionAttribute] != nil, "\(id)")
        }
        // a plain set moves the version on like a save
        #expect(try wait { try store.get("plain", $0) }.version == 2)
        #expect(try wait { try store.get("big", $0) }.data == Array(big.utf8))
        // deflated first, then encrypted: the blob is smaller than the text
        let bigBlob = try #require(Base64.decode(try raw(store, "big")[SessionCipher.attribute]?["B"]?.stringValue ?? ""))
        #expect(bigBlob.first == SessionCipher.Format.deflated.rawValue && bigBlob.count < 1000)
        // list decrypts
        let all = try wait { try store.list(withData: true, $0) }
        #expect(all.count == 4 && all.allSatisfy { $0.data.count >= secret.utf8.count })
        #expect(try wait { try store.length($0) } == 4)
        // touch moves only the expiry
        let before = try raw(store, "saved")
        try wait { try store.touch("saved", expires: Int64(Clock.epochSeconds()) + 99_999, $0) }
        let after = try raw(store, "saved")
        #expect(after[SessionCipher.attribute] == before[SessionCipher.attribute] && after["expires"] != before["expires"])
        // a versioned save, and a conflict merged on the decrypted session
        let read = try wait { try store.get("saved", $0) }
        let base = SessionStore.SaveBase(version: read.version, data: read.data)
        try wait { try store.save("saved", data: Array(#"{"token":"s3cr3t-bearer","a":1}"#.utf8), expires: 0, base: base, $0) }
        try wait { try store.save("saved", data: Array(#"{"token":"s3cr3t-bearer","b":2}"#.utf8), expires: 0, base: base, $0) }
        let merged = try wait { try store.get("saved", $0) }
        #expect(merged.version == read.version + 2)
        #expect(try JSON.parse(merged.data) == JSON.parse(Array(#"{"token":"s3cr3t-bearer","a":1,"b":2}"#.utf8)))
        #expect(keyId(try raw(store, "saved")) == "k1")
        // update-only sets: only onto a live session, and encrypted
        #expect(code { try wait { try store.set("nobody", data: Array("{}".utf8), expires: 0, condition: .liveSession, $0) } }
                == .notFound)
        try wait { try store.set("plain", data: Array(#"{"token":"s3cr3t-bearer","u":1}"#.utf8), expires: 0,
                                 condition: .liveSession, $0) }
        let updated = try raw(store, "plain")
        #expect(keyId(updated) == "k1" && updated["sess"] == nil)
        #expect(try wait { try store.get("plain", $0) }.version == 3)
        // create-only still sees the encrypted session as live
        #expect(code { try wait { try store.set("saved", data: Array("{}".utf8), expires: 0, condition: .noLiveSession, $0) } }
                == .conditionFailed)
    }

    @Test(.enabled(if: endpoint != nil))
    func aSessionThatDoesNotDecryptIsNoSessionWithAWarning() throws {
        let table = uniqueTable("crypt-bad")
        let warnings = Warnings()
        let store = try openStore(table: table, ring: [EncryptionTests.key1], warnings: warnings)
        let other = try openStore(table: table, ring: [EncryptionTests.key2])
        let clear = try openStore(table: table, ring: [])
        defer { store.close(); other.close(); clear.close() }
        try wait { try other.save("foreign", data: Array(#"{"k":"v2-secret"}"#.utf8), expires: 0, base: nil, $0) }
        try wait { try store.save("mine", data: Array(#"{"k":"v1-secret"}"#.utf8), expires: 0, base: nil, $0) }
        // copy my blob under another id: its associated data differs
        let blob = try #require(try raw(store, "mine")[SessionCipher.attribute]?["B"]?.stringValue)
        try wait { try store.save("copy", data: Array("{}".utf8), expires: 0, base: nil, $0) }
        let copied = (try raw(store, "copy").objectValue ?? []).map {
            $0.key == SessionCipher.attribute ? JSON.Member($0.key, .obj(["B": .string(blob)])) : $0
        }
        try wait { (done: @escaping SessionStore.Completion<Void>) in
            try store.submit(done) { finish in
                store.client.call("PutItem", .obj(["TableName": .string(table), "Item": .object(copied)])) {
                    finish($0.map { _ in () }.mapError(\.error))
                }
            }
        }
        for id in ["foreign", "copy"] {
            #expect(code { _ = try wait { try store.get(id, $0) } } == .notFound, "\(id)")
        }
        #expect(code { _ = try wait { try clear.get("mine", $0) } } == .notFound)
        #expect(try wait { try store.list(withData: true, $0) }.map(\.id) == ["mine"])
        let lines = warnings.all
        #expect(lines.contains { $0.contains("foreign") && $0.contains("not in the key ring") })
        #expect(lines.contains { $0.contains("copy") && $0.contains("does not authenticate") })
        #expect(!lines.contains { $0.contains("secret") || $0.contains("\(EncryptionTests.key1.bytes)") })
    }

    @Test(.enabled(if: endpoint != nil))
    func lastWriterWinsSavesAreEncryptedToo() throws {
        let store = try openStore(table: uniqueTable("crypt-lww"), ring: [EncryptionTests.key1], lastWriterWins: true)
        defer { store.close() }
        try wait { try store.save("s", data: Array(#"{"n":"lww-secret"}"#.utf8), expires: 0, base: nil, $0) }
        let item = try raw(store, "s")
        #expect(keyId(item) == "k1" && item["sess"] == nil)
        #expect(try wait { try store.get("s", $0) }.data == Array(#"{"n":"lww-secret"}"#.utf8))
    }

    @Test(.enabled(if: endpoint != nil))
    func aConflictingSaveOntoASessionThatNoLongerDecryptsWarnsAndSaysGone() throws {
        let table = uniqueTable("crypt-merge")
        let warnings = Warnings()
        let old = try openStore(table: table, ring: [EncryptionTests.key1], warnings: warnings)
        let new = try openStore(table: table, ring: [EncryptionTests.key2])
        defer { old.close(); new.close() }
        try wait { try old.save("s", data: Array(#"{"n":1}"#.utf8), expires: 0, base: nil, $0) }
        let read = try wait { try old.get("s", $0) }
        // another store, whose ring lacks k1, writes the session meanwhile
        try wait { try new.set("s", data: Array(#"{"n":2}"#.utf8), expires: 0, $0) }
        #expect(code { try wait { try old.save("s", data: Array(#"{"n":3}"#.utf8), expires: 0,
                                               base: .init(version: read.version, data: read.data), $0) } } == .notFound)
        #expect(warnings.all.contains { $0.contains("not in the key ring") })
        #expect(try wait { try new.get("s", $0) }.data == Array(#"{"n":2}"#.utf8))
    }

    @Test(.enabled(if: endpoint != nil))
    func rotationAcrossTwoStoresAndTheWholeTableReencrypted() async throws {
        let table = uniqueTable("crypt-rot")
        let old = try openStore(table: table, ring: [EncryptionTests.key1])
        let new = try openStore(table: table, ring: [EncryptionTests.key2, EncryptionTests.key1])
        let clear = try openStore(table: table, ring: [])
        defer { old.close(); new.close(); clear.close() }
        for n in 0..<5 {
            try wait { try old.save("s\(n)", data: Array("{\"n\":\(n)}".utf8), expires: 0, base: nil, $0) }
        }
        try wait { try clear.set("legacy", data: Array(#"{"n":"clear"}"#.utf8), expires: 0, $0) }
        // the new ring reads the old key's sessions, and a save moves one to the new key
        let s0 = try wait { try new.get("s0", $0) }
        try wait { try new.save("s0", data: Array(#"{"n":0,"x":1}"#.utf8), expires: 0,
                                base: .init(version: s0.version, data: s0.data), $0) }
        #expect(keyId(try raw(new, "s0")) == "k2")
        // which the old ring no longer reads
        #expect(code { _ = try wait { try old.get("s0", $0) } } == .notFound)
        #expect(keyId(try raw(new, "s1")) == "k1")

        var options = ReencryptOptions()
        options.pageSize = 2
        let counts = try wait { try new.reencrypt(options, $0) }
        #expect(counts.scanned == 6 && counts.current == 1 && counts.reencrypted == 5
                && counts.changed == 0 && counts.unreadable == 0)
        for id in ["s0", "s1", "s2", "s3", "s4", "legacy"] {
            let item = try raw(new, id)
            #expect(keyId(item) == "k2" && item["sess"] == nil, "\(id)")
        }
        #expect(try wait { try new.get("legacy", $0) }.data == Array(#"{"n":"clear"}"#.utf8))
        #expect(try wait { try new.get("s3", $0) }.data == Array(#"{"n":3}"#.utf8))
        // re-encryption keeps the version, so a save that read before it lands
        let legacy = try wait { try new.get("legacy", $0) }
        #expect(legacy.version == 1)
        // a second pass finds nothing to do (through the async API)
        let again = try await new.reencrypt()
        #expect(again.scanned == 6 && again.current == 6 && again.reencrypted == 0)
        // a store without keys cannot re-encrypt
        #expect(code { try clear.reencrypt(ReencryptOptions()) { _ in } } == .invalidArgument)
    }

    @Test(.enabled(if: endpoint != nil))
    func aRewriteOfASessionSavedSinceTheScanIsRefused() throws {
        let table = uniqueTable("crypt-stale")
        let old = try openStore(table: table, ring: [EncryptionTests.key1])
        let new = try openStore(table: table, ring: [EncryptionTests.key2, EncryptionTests.key1])
        let clear = try openStore(table: table, ring: [])
        defer { old.close(); new.close(); clear.close() }
        try wait { try old.save("enc", data: Array(#"{"n":1}"#.utf8), expires: 0, base: nil, $0) }
        try wait { try clear.set("txt", data: Array(#"{"n":1}"#.utf8), expires: 0, $0) }
        let reencryptor = Reencryptor(store: new, options: ReencryptOptions())
        // what the scan saw, then a save by a store with the old ring
        let requests = try ["enc", "txt"].map { id in try #require(reencryptor.rewriteRequest(try raw(new, id))) }
        try wait { try old.set("enc", data: Array(#"{"n":2}"#.utf8), expires: 0, $0) }
        try wait { try clear.set("txt", data: Array(#"{"n":2}"#.utf8), expires: 0, $0) }
        for request in requests {
            #expect(code {
                try wait { (done: @escaping SessionStore.Completion<Void>) in
                    try new.submit(done) { finish in
                        new.client.call("UpdateItem", request) { finish($0.map { _ in () }.mapError(\.error)) }
                    }
                }
            } == .conditionFailed)
        }
        #expect(try wait { try old.get("enc", $0) }.data == Array(#"{"n":2}"#.utf8))
        #expect(try wait { try new.get("txt", $0) }.data == Array(#"{"n":2}"#.utf8))
    }

    @Test(.enabled(if: endpoint != nil))
    func reencryptionLeavesAConcurrentSaveAlone() throws {
        let table = uniqueTable("crypt-race")
        let old = try openStore(table: table, ring: [EncryptionTests.key1])
        let new = try openStore(table: table, ring: [EncryptionTests.key2, EncryptionTests.key1])
        defer { old.close(); new.close() }
        try wait { try old.save("s", data: Array(#"{"n":1}"#.utf8), expires: 0, base: nil, $0) }
        let read = try wait { try old.get("s", $0) }
        // the rewrite lands first; the old store's save from before it still lands
        _ = try wait { try new.reencrypt(ReencryptOptions(), $0) }
        try wait { try old.save("s", data: Array(#"{"n":2}"#.utf8), expires: 0,
                                base: .init(version: read.version, data: read.data), $0) }
        #expect(try wait { try new.get("s", $0) }.data == Array(#"{"n":2}"#.utf8))
    }
}
