import Glibc
import Testing
@testable import ConnectDynamo

/// The reaper through the store against a real endpoint (CDYN_TEST_ENDPOINT,
/// moto's server; skipped without it): parallel segments report progress
/// from the I/O loop while the caller waits, a callback stops it, and the
/// counts add up. Run under ThreadSanitizer by `make test-tsan`.
struct ReaperTests {
    static let endpoint = StoreFixture.endpoint

    func openStore() throws -> SessionStore {
        try SessionStore(options: StoreFixture.options(table: uniqueTable("reaper")))
    }

    func seedExpired(_ store: SessionStore, _ count: Int) throws {
        for i in 0..<count {
            try answer { try store.set("old\(i)", data: Array("{}".utf8), expires: 1000, $0) }
        }
        try answer { try store.set("live", data: Array("{}".utf8), expires: 0, $0) }
    }

    @Test(.enabled(if: endpoint != nil))
    func parallelSegmentsDeleteEveryExpiredSessionAndReportEachPage() async throws {
        try await offThePool { [self] in
            let store = try openStore()
            try seedExpired(store, 45)
            let reports = Locked<[ReapProgress]>([])
            var options = ReapOptions()
            options.segments = 4
            options.pageSize = 5
            options.readUnitsPerSecond = 10_000
            options.writeUnitsPerSecond = 10_000
            options.progress = { report in reports.withLock { $0.append(report) }; return true }
            let result = try answer { try store.reap(options, $0) }
            #expect(result.deleted == 45 && result.matched == 45 && result.scanned == 46)
            #expect(result.finished && !result.cancelled)
            let seen = reports.withLock { $0 }
            #expect(seen.count == Int(result.pages) + 1)
            #expect(seen.last == result)
            #expect(seen.filter(\.finished).count == 1)
            #expect(try answer { try store.length($0) } == 1)
            store.close()
        }
    }

    @Test(.enabled(if: endpoint != nil))
    func aProgressCallbackThatSaysStopStopsAfterThePagesInFlight() async throws {
        try await offThePool { [self] in
            let store = try openStore()
            try seedExpired(store, 40)
            var options = ReapOptions()
            options.segments = 2
            options.pageSize = 5
            options.progress = { _ in false }
            let result = try answer { try store.reap(options, $0) }
            #expect(result.cancelled && result.finished)
            // At most the two pages in flight when it was told to stop.
            #expect(result.deleted > 0 && result.deleted <= 10)
            var count = ReapOptions()
            count.dryRun = true
            #expect(try answer { try store.reap(count, $0) }.matched == 40 - result.deleted)
            store.close()
        }
    }

    @Test func badOptionsAreRefusedBeforeAnythingIsSent() throws {
        var options = StoreOptions()
        options.endpoint = "http://127.0.0.1:9"
        options.credentials = Credentials(accessKeyId: "x", secretAccessKey: "y")
        options.environment = Environment { _ in nil }
        let store = try SessionStore(options: options)
        for bad in [{ (o: inout ReapOptions) in o.segments = 0 }, { $0.segments = 65 },
                    { $0.readUnitsPerSecond = -1 }, { $0.writeUnitsPerSecond = .nan }, { $0.pageSize = -1 }] {
            var reap = ReapOptions()
            bad(&reap)
            #expect(throws: StoreError.self) { try store.reap(reap) { _ in } }
        }
        #expect(store.stats.snapshot().requests == 0)
        store.close()
    }
}
