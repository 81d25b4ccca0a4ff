import Glibc
import Testing
@testable import ConnectDynamo

/// The store core driven from many threads at once against a real
/// endpoint (CDYN_TEST_ENDPOINT, moto's server; skipped without it). Run
/// under ThreadSanitizer by `make test-tsan`.
struct StoreConcurrencyTests {
    static let endpoint = StoreFixture.endpoint

    func openStore(table: String) throws -> SessionStore {
        try SessionStore(options: StoreFixture.options(table: table))
    }

    @Test(.enabled(if: endpoint != nil))
    func manyThreadsShareOneStoreAndCreateTheTableOnce() async throws {
        try await offThePool { [self] in
            let store = try openStore(table: uniqueTable("tsan"))
            let failures = Locked(0)
            let threads = 8
            let done = Locked(0)
            for t in 0..<threads {
                let thread = Thread {
                    for i in 0..<10 {
                        let id = "t\(t)-\(i)"
                        let data = Array("{\"t\":\(t),\"i\":\(i)}".utf8)
                        do {
                            try answer { try store.set(id, data: data, expires: 0, $0) }
                            let back = try answer { try store.get(id, $0) }
                            if back.data != data { failures.withLock { $0 += 1 } }
                            try answer { try store.destroy(id, $0) }
                        } catch {
                            failures.withLock { $0 += 1 }
                        }
                    }
                    done.withLock { $0 += 1 }
                }
                thread.start()
            }
            while done.withLock({ $0 < threads }) { usleep(1000) }
            #expect(failures.withLock { $0 } == 0)
            let stats = store.stats.snapshot()
            #expect(stats.operations == 240)
            #expect(stats.requests == 240 + 4)  // Describe, Create, Describe, UpdateTimeToLive
            store.close()
        }
    }

    @Test(.enabled(if: endpoint != nil))
    func closingWithCallsInFlightCompletesEveryCall() async throws {
        try await offThePool { [self] in
            let store = try openStore(table: "tsan-close")
            let completed = Locked(0)
            for i in 0..<50 {
                try store.get("x\(i)") { _ in completed.withLock { $0 += 1 } }
            }
            store.close()
            #expect(completed.withLock { $0 } == 50)
            #expect(throws: StoreError.self) { try store.get("late") { _ in } }
        }
    }
}

/// A plain POSIX thread running a closure (no Foundation here).
final class Thread: @unchecked Sendable {
    private let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        var id = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&id, nil, { context in
            guard let context else { return nil }
            Unmanaged<Thread>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, context)
        pthread_detach(id)
    }
}
