import Glibc
import Testing
@testable import ConnectDynamo

/// A caller about to wait runs the store's I/O itself while the store is
/// otherwise idle (IOEngine.lend, what the C API's blocking calls do), and
/// the loop goes back to the I/O thread the moment anyone else needs it.
/// Run under ThreadSanitizer by `make test-tsan` too.
struct LendingTests {
    typealias Outcome<T: Sendable> = (result: Result<T, StoreError>, thread: pthread_t)

    /// A call made as the C API's blocking calls make them; returns its
    /// result and the thread its completion ran on.
    func lent<T: Sendable>(
        _ store: SessionStore, _ start: (@escaping SessionStore.Completion<T>) throws(StoreError) -> Void
    ) -> Outcome<T> {
        outcome { box throws(StoreError) in
            try store.lendingThread(until: { box.withLock { $0 != nil } }) { () throws(StoreError) in
                try start { result in box.withLock { $0 = (result, pthread_self()) } }
            }
        }
    }

    func asynchronous<T: Sendable>(
        _ start: (@escaping SessionStore.Completion<T>) throws(StoreError) -> Void
    ) -> Outcome<T> {
        outcome { box throws(StoreError) in
            try start { result in box.withLock { $0 = (result, pthread_self()) } }
        }
    }

    /// Runs `call` with a box for the outcome, then waits for it.
    private func outcome<T: Sendable>(
        _ call: (Locked<(Result<T, StoreError>, pthread_t)?>) throws(StoreError) -> Void
    ) -> Outcome<T> {
        let box = Locked<(Result<T, StoreError>, pthread_t)?>(nil)
        do {
            try call(box)
        } catch {
            return (.failure(error), pthread_self())
        }
        while box.withLock({ $0 == nil }) { usleep(200) }
        let (result, thread) = box.withLock { $0! }
        return (result, thread)
    }

    func openStore(endpoint: String, table: String, createTable: Bool = true,
                   logger: Logger = Logger()) throws -> SessionStore {
        var options = StoreOptions()
        options.logger = logger
        options.table = table
        options.endpoint = endpoint
        options.region = "us-east-1"
        options.createTable = createTable
        options.requestTimeoutMillis = 30_000
        options.credentials = Credentials(accessKeyId: "lend", secretAccessKey: "lend")
        options.environment = Environment { _ in nil }
        return try SessionStore(options: options)
    }

    @Test(.enabled(if: StoreConcurrencyTests.endpoint != nil))
    func aWaitingCallerRunsTheIOOfAnIdleStoreItself() async throws {
        try await offThePool { [self] in
            let endpoint = try #require(StoreConcurrencyTests.endpoint)
            let store = try openStore(endpoint: endpoint, table: uniqueTable("lend"))
            defer { store.close() }
            let me = pthread_self()
            let data = Array(#"{"cookie":{},"n":1}"#.utf8)

            // The first call creates the table: requests, timers, all on this thread.
            let set = lent(store) { (done) throws(StoreError) in try store.set("a", data: data, expires: 0, done) }
            #expect((try? set.result.get()) != nil)
            #expect(pthread_equal(set.thread, me) != 0)

            let got = lent(store) { (done) throws(StoreError) in try store.get("a", done) }
            #expect((try? got.result.get())?.data == data)
            #expect(pthread_equal(got.thread, me) != 0)

            // Asynchronous calls complete on the I/O thread, never the caller's.
            let background = asynchronous { (done) throws(StoreError) in try store.get("a", done) }
            #expect((try? background.result.get())?.data == data)
            #expect(pthread_equal(background.thread, me) == 0)
            let errors = store.stats.snapshot().errors
            #expect(errors.allSatisfy { $0 == 0 })
        }
    }

    @Test func aCallMadeFromALogCallbackDuringALoanCompletesOnTheIOThread() async throws {
        try await offThePool { [self] in
            let server = try ScriptedServer()
            let storeBox = Locked<SessionStore?>(nil)
            let fromLog = Locked<(Result<StoredSession, StoreError>, pthread_t)?>(nil)
            let fired = Locked(false)
            // The lent call's attempt is logged on the lending thread, which
            // then makes an asynchronous call from the log callback. The lent
            // call hangs; the other is answered: its callback must still not
            // run on the lending thread.
            let logger = Logger(level: .debug) { _, message in
                guard message.hasPrefix("GetItem attempt"),
                      fired.withLock({ done in defer { done = true }; return !done }),
                      let store = storeBox.withLock({ $0 }) else { return }
                try? store.get("from-log") { result in fromLog.withLock { $0 = (result, pthread_self()) } }
            }
            let store = try openStore(endpoint: server.url, table: "hung", createTable: false, logger: logger)
            storeBox.withLock { $0 = store }
            let lender = Locked<pthread_t?>(nil)
            let lentResult = Locked<Result<StoredSession, StoreError>?>(nil)
            Thread {
                lender.withLock { $0 = pthread_self() }
                let outcome = lent(store) { (done) throws(StoreError) in try store.get("hangs", done) }
                lentResult.withLock { $0 = outcome.result }
            }.start()
            while fromLog.withLock({ $0 == nil }) { usleep(200) }
            let (result, thread) = try #require(fromLog.withLock { $0 })
            let lenderThread = try #require(lender.withLock { $0 })
            #expect(pthread_equal(thread, lenderThread) == 0)
            if case .failure(let error) = result { #expect(error.code == .notFound) }
            store.close()
            while lentResult.withLock({ $0 == nil }) { usleep(1000) }
            server.stop()
        }
    }

    @Test(.enabled(if: StoreConcurrencyTests.endpoint != nil))
    func lentAndQueuedCallsFromManyThreadsAllComplete() async throws {
        try await offThePool { [self] in
            let endpoint = try #require(StoreConcurrencyTests.endpoint)
            let store = try openStore(endpoint: endpoint, table: uniqueTable("lend-many"))
            let failures = Locked(0)
            let finished = Locked(0)
            let threads = 8
            for t in 0..<threads {
                Thread {
                    for i in 0..<10 {
                        let id = "t\(t)-\(i)"
                        let data = Array("{\"t\":\(t),\"i\":\(i)}".utf8)
                        // An asynchronous call in flight while this thread lends itself.
                        let background = Locked<Result<StoredSession, StoreError>?>(nil)
                        do {
                            try store.get(id) { result in background.withLock { $0 = result } }
                        } catch {
                            failures.withLock { $0 += 1 }
                        }
                        let set = lent(store) { (done) throws(StoreError) in try store.set(id, data: data, expires: 0, done) }
                        let got = lent(store) { (done) throws(StoreError) in try store.get(id, done) }
                        let destroyed = lent(store) { (done) throws(StoreError) in try store.destroy(id, done) }
                        if (try? set.result.get()) == nil || (try? got.result.get())?.data != data
                            || (try? destroyed.result.get()) == nil {
                            failures.withLock { $0 += 1 }
                        }
                        while background.withLock({ $0 == nil }) { usleep(200) }
                    }
                    finished.withLock { $0 += 1 }
                }.start()
            }
            while finished.withLock({ $0 < threads }) { usleep(1000) }
            #expect(failures.withLock { $0 } == 0)
            let stats = store.stats.snapshot()
            #expect(stats.operations == 320)
            #expect(stats.requests == 320 + 4)  // Describe, Create, Describe, UpdateTimeToLive
            store.close()
        }
    }

    @Test func anotherThreadsCallTakesTheLoopBackFromALentOne() async throws {
        try await offThePool { [self] in
            let server = try ScriptedServer()
            let store = try openStore(endpoint: server.url, table: "hung", createTable: false)
            let lentResult = Locked<(Result<StoredSession, StoreError>, pthread_t)?>(nil)
            let lender = Locked<pthread_t?>(nil)
            Thread {
                lender.withLock { $0 = pthread_self() }
                let outcome = lent(store) { (done) throws(StoreError) in try store.get("hangs", done) }
                lentResult.withLock { $0 = (outcome.result, outcome.thread) }
            }.start()
            server.waitForRequests(1)

            // The lent call hangs on the server; this one must not wait for it.
            let other = asynchronous { (done) throws(StoreError) in try store.get("answered", done) }
            #expect(lentResult.withLock { $0 == nil })
            if case .failure(let error) = other.result {
                #expect(error.code == .notFound)
            } else {
                Issue.record("expected notFound from an empty answer")
            }
            let lenderThread = try #require(lender.withLock { $0 })
            #expect(pthread_equal(other.thread, lenderThread) == 0)

            // Closing ends the hung call, wherever the loop is.
            store.close()
            while lentResult.withLock({ $0 == nil }) { usleep(1000) }
            let (result, _) = try #require(lentResult.withLock { $0 })
            if case .failure(let error) = result {
                #expect(error.code == .closed)
            } else {
                Issue.record("the hung call succeeded")
            }
            server.stop()
        }
    }

    @Test func closingTheStoreEndsALentCall() async throws {
        try await offThePool { [self] in
            let server = try ScriptedServer()
            let store = try openStore(endpoint: server.url, table: "hung", createTable: false)
            let lentResult = Locked<Result<StoredSession, StoreError>?>(nil)
            Thread {
                let outcome = lent(store) { (done) throws(StoreError) in try store.get("hangs", done) }
                lentResult.withLock { $0 = outcome.result }
            }.start()
            server.waitForRequests(1)
            store.close()
            while lentResult.withLock({ $0 == nil }) { usleep(1000) }
            if case .failure(let error) = try #require(lentResult.withLock { $0 }) {
                #expect(error.code == .closed)
            } else {
                Issue.record("the hung call succeeded")
            }
            server.stop()
        }
    }
}

/// A loopback HTTP server for these tests: it never answers a request for
/// the session id "hangs" (whichever comes first), and answers every other
/// one 200 with `{}`.
final class ScriptedServer: @unchecked Sendable {
    let url: String
    private let listener: Int32
    private let requests = Locked(0)
    private let connections = Locked<[Int32]>([])

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw StoreError(.network, "test server could not listen")
        }
        listener = fd
        url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        Thread { [self] in
            while true {
                let connection = accept(fd, nil, nil)
                if connection < 0 { return }
                connections.withLock { $0.append(connection) }
                Thread { [self] in serve(connection) }.start()
            }
        }.start()
    }

    private func serve(_ connection: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return }
            pending += buffer[0..<count]
            // One whole request: headers, then Content-Length bytes.
            guard let end = pending.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound else { continue }
            let head = String(decoding: pending[..<end], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n")
                .first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingPrefix(" ")) } ?? 0
            guard pending.count >= end + length else { continue }
            let hangs = pending[end..<end + length].firstRange(of: Array(#"sess:hangs""#.utf8)) != nil
            pending.removeFirst(end + length)
            requests.withLock { $0 += 1 }
            if hangs { continue }
            let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}"
            _ = Array(answer.utf8).withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    func waitForRequests(_ count: Int) {
        while requests.withLock({ $0 < count }) { usleep(1000) }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for connection in connections.withLock({ $0 }) { shutdown(connection, Int32(SHUT_RDWR)) }
    }
}
