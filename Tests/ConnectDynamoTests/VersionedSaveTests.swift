import Glibc
import Testing
@testable import ConnectDynamo

/// Versioned saves against a real endpoint (CDYN_TEST_ENDPOINT, moto's
/// server; skipped without it): no lost update, no resurrection, and
/// connect-dynamodb's items (no version) saved back safely. Two "requests"
/// are two saves from one read, the second meeting the first's write.
struct VersionedSaveTests {
    static let endpoint = StoreFixture.endpoint
    static let table = "saves-\(getpid())"

    /// A clock the test moves by hand (epoch seconds).
    let now = Locked<Double>(1_900_000_000)

    func openStore(prefix: String) throws -> SessionStore {
        try SessionStore(options: StoreFixture.options(table: VersionedSaveTests.table, prefix: prefix, clock: now))
    }

    func failure(_ start: (@escaping SessionStore.Completion<Void>) throws -> Void) throws -> StoreError.Code? {
        do {
            try answer(start)
            return nil
        } catch let error as StoreError {
            return error.code
        }
    }

    func read(_ store: SessionStore, _ id: String) throws -> StoredSession {
        try answer { try store.get(id, $0) }
    }

    func save(_ store: SessionStore, _ id: String, _ json: String, from base: StoredSession?,
              expires: Int64 = 1_900_003_600) throws {
        try answer { try store.save(id, data: Array(json.utf8), expires: expires,
                                  base: base.map { .init(version: $0.version, data: $0.data) }, $0) }
    }

    func text(_ session: StoredSession) -> String { String(decoding: session.data, as: UTF8.self) }

    @Test(.enabled(if: endpoint != nil))
    func aNewSessionIsCreateOnlyAndStartsAtVersionOne() throws {
        let store = try openStore(prefix: "new:")
        defer { store.close() }
        try save(store, "a", #"{"n":1}"#, from: nil)
        let first = try read(store, "a")
        #expect(first.version == 1 && first.created == 1_900_000_000)
        #expect(try failure { try store.save("a", data: Array(#"{"n":2}"#.utf8), expires: 0, base: nil, $0) }
                == .conditionFailed)
        #expect(text(try read(store, "a")) == #"{"n":1}"#)
    }

    @Test(.enabled(if: endpoint != nil))
    func twoRequestsAddingKeysFromOneReadKeepBoth() throws {
        let store = try openStore(prefix: "addadd:")
        defer { store.close() }
        try save(store, "s", #"{"n":0}"#, from: nil)
        let read1 = try read(store, "s"), read2 = try read(store, "s")
        try save(store, "s", #"{"n":0,"a":1}"#, from: read1)
        try save(store, "s", #"{"n":0,"b":2}"#, from: read2)
        let after = try read(store, "s")
        #expect(text(after) == #"{"n":0,"a":1,"b":2}"#)
        #expect(after.version == 3)  // created 1, the first save 2, the merged second save 3
    }

    @Test(.enabled(if: endpoint != nil))
    func aChangeAndARemovalFromOneReadBothApply() throws {
        let store = try openStore(prefix: "chrm:")
        defer { store.close() }
        try save(store, "s", #"{"x":1,"y":1}"#, from: nil)
        let read1 = try read(store, "s"), read2 = try read(store, "s")
        try save(store, "s", #"{"x":2,"y":1}"#, from: read1)
        try save(store, "s", #"{"x":1}"#, from: read2)
        #expect(text(try read(store, "s")) == #"{"x":2}"#)
    }

    @Test(.enabled(if: endpoint != nil))
    func aKeyBothRequestsChangedTakesTheLaterSavesValue() throws {
        let store = try openStore(prefix: "both:")
        defer { store.close() }
        try save(store, "s", #"{"k":"old"}"#, from: nil)
        let read1 = try read(store, "s"), read2 = try read(store, "s")
        try save(store, "s", #"{"k":"first"}"#, from: read1)
        try save(store, "s", #"{"k":"second"}"#, from: read2)
        #expect(text(try read(store, "s")) == #"{"k":"second"}"#)
    }

    @Test(.enabled(if: endpoint != nil))
    func aSaveOfADestroyedSessionWritesNothingAndSaysGone() throws {
        let store = try openStore(prefix: "gone:")
        defer { store.close() }
        try save(store, "s", #"{"user":"ada"}"#, from: nil)
        let inFlight = try read(store, "s")
        try answer { try store.destroy("s", $0) }
        #expect(try failure { try store.save("s", data: Array(#"{"user":"ada","x":1}"#.utf8), expires: 0,
                                             base: .init(version: inFlight.version, data: inFlight.data), $0) }
                == .notFound)
        #expect(throws: StoreError(.notFound, "no item for this session id")) { try answer { try store.item("s", $0) } }
    }

    @Test(.enabled(if: endpoint != nil))
    func aSaveOfASessionThatExpiredMeanwhileWritesNothing() throws {
        let store = try openStore(prefix: "expired:")
        defer { store.close() }
        try save(store, "s", #"{"n":1}"#, from: nil, expires: 1_900_000_100)
        let inFlight = try read(store, "s")
        now.withLock { $0 = 1_900_000_100 }
        #expect(try failure { try store.save("s", data: Array(#"{"n":2}"#.utf8), expires: 1_900_000_200,
                                             base: .init(version: inFlight.version, data: inFlight.data), $0) }
                == .notFound)
        now.withLock { $0 = 1_900_000_000 }
        #expect(text(try read(store, "s")) == #"{"n":1}"#)
    }

    @Test(.enabled(if: endpoint != nil))
    func aConnectDynamodbItemWithoutAVersionIsSavedOnItsText() throws {
        let store = try openStore(prefix: "legacy:")
        defer { store.close() }
        // A plain set writes connect-dynamodb's item exactly: no version.
        try answer { try store.set("s", data: Array(#"{"v":1}"#.utf8), expires: 1_900_003_600, $0) }
        let read1 = try read(store, "s")
        #expect(read1.version == 0 && read1.created == 0)
        // connect-dynamodb rewrites it meanwhile (a put of other text)
        try answer { try store.set("s", data: Array(#"{"v":1,"other":true}"#.utf8), expires: 1_900_003_600, $0) }
        try save(store, "s", #"{"v":1,"mine":true}"#, from: read1)
        let after = try read(store, "s")
        #expect(text(after) == #"{"v":1,"other":true,"mine":true}"#)
        #expect(after.version == 1 && after.created == 1_900_000_000)
    }

    @Test(.enabled(if: endpoint != nil))
    func creationTimeIsKeptAcrossSaves() throws {
        let store = try openStore(prefix: "created:")
        defer { store.close() }
        try save(store, "s", #"{"n":1}"#, from: nil)
        now.withLock { $0 += 500 }
        try save(store, "s", #"{"n":2}"#, from: try read(store, "s"))
        let after = try read(store, "s")
        #expect(after.created == 1_900_000_000 && after.version == 2)
    }
}
