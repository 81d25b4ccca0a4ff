import Glibc
import Testing
@testable import ConnectDynamo

/// The absolute lifetime (max age from `created`), on an injected clock,
/// against a real endpoint (CDYN_TEST_ENDPOINT, moto's server; skipped
/// without it): enforced on read like expiry, whatever the activity.
struct MaxAgeTests {
    static let endpoint = StoreFixture.endpoint
    static let start: Double = 1_900_000_000
    let now = Locked<Double>(MaxAgeTests.start)

    func openStore(prefix: String, maxAge: Int64?) throws -> SessionStore {
        var options = StoreFixture.options(table: "max-age-\(getpid())", prefix: prefix, clock: now)
        options.maxAgeSeconds = maxAge
        return try SessionStore(options: options)
    }

    func found(_ store: SessionStore, _ id: String) throws -> Bool {
        do {
            _ = try answer { try store.get(id, $0) }
            return true
        } catch let error as StoreError where error.code == .notFound {
            return false
        }
    }

    @Test(.enabled(if: endpoint != nil))
    func aSessionKeptActiveStillEndsAtItsMaximumAge() throws {
        let store = try openStore(prefix: "active:", maxAge: 3600)
        defer { store.close() }
        try answer { try store.save("s", data: Array(#"{"n":0}"#.utf8), expires: 0, base: nil, $0) }
        // saved every half hour with a fresh expiry: never idle
        for step in 1...2 {
            now.withLock { $0 = MaxAgeTests.start + Double(step) * 1800 - 1 }
            let read = try answer { try store.get("s", $0) }
            #expect(read.created == Int64(MaxAgeTests.start))
            try answer { try store.save("s", data: Array("{\"n\":\(step)}".utf8), expires: 0,
                                      base: .init(version: read.version, data: read.data), $0) }
        }
        #expect(try found(store, "s"))
        now.withLock { $0 = MaxAgeTests.start + 3600 }  // exactly the max age
        #expect(try !found(store, "s"))
        #expect(try answer { try store.list(withData: true, $0) }.isEmpty)
        #expect(try answer { try store.length($0) } == 0)
    }

    @Test(.enabled(if: endpoint != nil))
    func aSaveOfASessionPastItsMaximumAgeIsGone() throws {
        let store = try openStore(prefix: "save:", maxAge: 100)
        defer { store.close() }
        try answer { try store.save("s", data: Array("{}".utf8), expires: 0, base: nil, $0) }
        let read = try answer { try store.get("s", $0) }
        now.withLock { $0 = MaxAgeTests.start + 100 }
        #expect(throws: StoreError(.notFound, "session is gone (destroyed or expired): not saved")) {
            try answer { try store.save("s", data: Array(#"{"x":1}"#.utf8), expires: 0,
                                      base: .init(version: read.version, data: read.data), $0) }
        }
    }

    @Test(.enabled(if: endpoint != nil))
    func withoutAMaximumAgeOrACreationTimeOnlyExpiryCounts() throws {
        let unlimited = try openStore(prefix: "none:", maxAge: nil)
        defer { unlimited.close() }
        try answer { try unlimited.save("s", data: Array("{}".utf8), expires: 1_999_000_000, base: nil, $0) }
        // a plain set writes no `created`: its age is unknown
        let limited = try openStore(prefix: "none:", maxAge: 10)
        defer { limited.close() }
        try answer { try limited.set("legacy", data: Array("{}".utf8), expires: 1_999_000_000, $0) }
        now.withLock { $0 = MaxAgeTests.start + 50_000 }
        #expect(try found(unlimited, "s"))
        #expect(try !found(limited, "s"))
        #expect(try found(limited, "legacy"))
        #expect(try answer { try limited.reap($0) } == 1)  // the one past its age
        #expect(try found(limited, "legacy"))
    }

    @Test func aMaximumAgeMustBePositive() {
        var options = StoreOptions()
        options.maxAgeSeconds = 0
        #expect(throws: StoreError.self) { try options.validate() }
    }
}
