import Glibc
import Testing
@testable import ConnectDynamo

/// Lazy touch at its boundaries, against a real endpoint (CDYN_TEST_ENDPOINT,
/// moto's server; skipped without it), on an injected clock.
struct LazyTouchTests {
    static let endpoint = StoreFixture.endpoint
    static let start: Double = 1_900_000_000
    let now = Locked<Double>(LazyTouchTests.start)

    func openStore(prefix: String, touchAfter: TouchAfter? = nil) throws -> SessionStore {
        var options = StoreFixture.options(table: "lazy-touch-\(getpid())", prefix: prefix, clock: now)
        if let touchAfter { options.touchAfter = touchAfter }
        return try SessionStore(options: options)
    }

    /// A session expiring at `expires`, and what a touch to `to` does.
    func touch(_ store: SessionStore, from expires: Int64, to target: Int64) throws -> (SessionStore.TouchOutcome, Int64) {
        try answer { try store.set("s", data: Array("{}".utf8), expires: expires, $0) }
        let read = try answer { try store.get("s", $0) }
        let outcome = try answer { try store.touch("s", expires: target, readExpires: read.expires, $0) }
        return (outcome, try answer { try store.get("s", $0) }.expires)
    }

    @Test(.enabled(if: endpoint != nil))
    func byDefaultATouchWritesOnlyWhenItGainsATenthOfTheLifetime() throws {
        let store = try openStore(prefix: "tenth:")
        defer { store.close() }
        let t = Int64(LazyTouchTests.start), target = t + 1000  // lifetime 1000 s: interval 100 s
        #expect(try touch(store, from: t + 901, to: target) == (.kept, t + 901))
        #expect(try touch(store, from: t + 900, to: target) == (.moved, target))
    }

    @Test(.enabled(if: endpoint != nil))
    func aTouchIntervalInSecondsIsHonouredToTheSecond() throws {
        let store = try openStore(prefix: "secs:", touchAfter: .seconds(60))
        defer { store.close() }
        let t = Int64(LazyTouchTests.start)
        #expect(try touch(store, from: t + 941, to: t + 1000) == (.kept, t + 941))
        #expect(try touch(store, from: t + 940, to: t + 1000) == (.moved, t + 1000))
    }

    @Test(.enabled(if: endpoint != nil))
    func alwaysWritesEveryTouchAsConnectDynamodbDoes() throws {
        let store = try openStore(prefix: "always:", touchAfter: .always)
        defer { store.close() }
        let t = Int64(LazyTouchTests.start)
        #expect(try touch(store, from: t + 1000, to: t + 1001) == (.moved, t + 1001))
    }

    @Test(.enabled(if: endpoint != nil))
    func anUnknownReadExpiryWritesAndAGoneSessionIsNotRevived() throws {
        let store = try openStore(prefix: "unknown:")
        defer { store.close() }
        let t = Int64(LazyTouchTests.start)
        try answer { try store.set("s", data: Array("{}".utf8), expires: t + 999, $0) }
        #expect(try answer { try store.touch("s", expires: t + 1000, readExpires: 0, $0) } == .moved)
        #expect(throws: StoreError(.notFound, "session not found (or expired)")) {
            try answer { try store.touch("gone", expires: t + 1000, readExpires: 0, $0) }
        }
    }

    @Test(.enabled(if: endpoint != nil))
    func requestsThatReadTogetherTouchOnceAndNotAfterASave() throws {
        let store = try openStore(prefix: "burst:")
        defer { store.close() }
        let t = Int64(LazyTouchTests.start)  // lifetimes ~1000 s: interval ~100 s
        try answer { try store.set("s", data: Array("{}".utf8), expires: t + 900, $0) }
        let read = try answer { try store.get("s", $0) }  // three parallel requests read this
        #expect(try answer { try store.touch("s", expires: t + 1000, readExpires: read.expires, $0) } == .moved)
        // 101 s past what it read, but 1 s past what the first touch wrote
        #expect(try answer { try store.touch("s", expires: t + 1001, readExpires: read.expires, $0) } == .kept)
        // two touches started together: the second sees the first's write before its answer
        let outcomes = Locked<[SessionStore.TouchOutcome?]>([])
        for target in [t + 1200, t + 1201] {
            try store.touch("s", expires: target, readExpires: read.expires) { result in
                outcomes.withLock { $0.append(try? result.get()) }
            }
        }
        while outcomes.withLock({ $0.count }) < 2 { usleep(1000) }
        let both = outcomes.withLock { $0 }
        #expect(both.filter { $0 == .moved }.count == 1 && both.filter { $0 == .kept }.count == 1)
        // a save (of a request that read after the touch) moves it again
        let merged = try answer { try store.get("s", $0) }
        try answer { try store.save("s", data: Array("{\"k\":1}".utf8), expires: t + 1300,
                                  base: SessionStore.SaveBase(version: merged.version, data: merged.data), $0) }
        #expect(try answer { try store.touch("s", expires: t + 1350, readExpires: read.expires, $0) } == .kept)
        #expect(try answer { try store.get("s", $0) }.expires == t + 1300)
        // a gain of the interval over the newest write still writes
        #expect(try answer { try store.touch("s", expires: t + 1500, readExpires: read.expires, $0) } == .moved)
    }

    @Test func badIntervalsAreRefusedAtOpen() {
        var options = StoreOptions()
        options.touchAfter = .seconds(0)
        #expect(throws: StoreError.self) { try options.validate() }
        options.touchAfter = .fractionOfLifetime(0)
        #expect(throws: StoreError.self) { try options.validate() }
    }
}
