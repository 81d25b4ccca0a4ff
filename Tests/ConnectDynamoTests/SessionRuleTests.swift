import Glibc
import Testing
@testable import ConnectDynamo

/// One rule for what "a session" is, applied by every call: items that
/// are not sessions by it (connect-dynamodb's touch stub, an `expires`
/// that is a String, a `sess` that is not JSON) are written into a real
/// table (CDYN_TEST_ENDPOINT, moto; skipped without it) and each call is
/// asked about them.
struct SessionRuleTests: Sendable {
    static let endpoint = StoreFixture.endpoint
    static let future = "9999999999"

    final class LogLines: Sendable {
        let lines = Locked<[String]>([])
        var warnings: [String] { lines.withLock { $0 } }
    }

    func openStore(_ log: LogLines = LogLines()) throws -> SessionStore {
        var options = StoreFixture.options(table: uniqueTable("rule"))  // one per test: they run at once
        options.logger = Logger(level: .warn) { level, line in
            if level == .warn { log.lines.withLock { $0.append(line) } }
        }
        let store = try SessionStore(options: options)
        _ = try StoreFixture.result { try store.ensureTable($0) }
        return store
    }

    /// Writes an item as given, past the store's own checks.
    func putRaw(_ store: SessionStore, _ attributes: KeyValuePairs<String, JSON>) throws {
        let item = JSON.object(attributes.map { JSON.Member($0.key, $0.value) })
        let put = JSON.obj(["TableName": .string(store.options.table), "Item": item])
        let result = try StoreFixture.result { (done: @escaping SessionStore.Completion<Void>) in
            try store.submit(done) { finish in
                store.client.call("PutItem", put) { finish($0.map { _ in () }.mapError(\.error)) }
            }
        }
        try result.get()
    }

    func code<T>(_ result: Result<T, StoreError>) -> StoreError.Code? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    /// What every call says of the item under "x" that is not a session.
    func expectNoSession(_ store: SessionStore) throws {
        #expect(code(try StoreFixture.result { try store.get("x", $0) }) == .notFound)
        #expect(code(try StoreFixture.result { try store.touch("x", expires: 0, $0) }) == .notFound)
        #expect(code(try StoreFixture.result { try store.set("x", data: Array("{}".utf8), expires: 0, condition: .liveSession, $0) }) == .notFound)
        #expect(try StoreFixture.result { try store.length($0) }.get() == 0)
        #expect(try StoreFixture.result { try store.list(withData: false, $0) }.get().isEmpty)
        #expect(try StoreFixture.result { try store.list(withData: true, $0) }.get().isEmpty)
        // A create-only write replaces what is not a session.
        try StoreFixture.result { try store.set("x", data: Array("{\"new\":1}".utf8), expires: 0, condition: .noLiveSession, $0) }.get()
        #expect(try StoreFixture.result { try store.get("x", $0) }.get().data == Array("{\"new\":1}".utf8))
        #expect(try StoreFixture.result { try store.length($0) }.get() == 1)
    }

    @Test(.enabled(if: endpoint != nil))
    func anItemWithoutSessIsNoSessionForEveryCall() async throws {
        try await offThePool { [self] in
            let store = try openStore()
            defer { store.close() }
            try putRaw(store, ["id": .obj(["S": "sess:x"]), "expires": .obj(["N": .string(Self.future)])])
            try expectNoSession(store)
        }
    }

    @Test(.enabled(if: endpoint != nil))
    func anExpiresThatIsAStringIsNoSessionForEveryCall() async throws {
        try await offThePool { [self] in
            let store = try openStore()
            defer { store.close() }
            try putRaw(store, ["id": .obj(["S": "sess:x"]), "expires": .obj(["S": .string(Self.future)]),
                               "type": .obj(["S": "connect-session"]), "sess": .obj(["S": "{}"])])
            try expectNoSession(store)
        }
    }

    @Test(.enabled(if: endpoint != nil))
    func reapDeletesExpiredStubsButNotItemsWithoutANumericExpiry() async throws {
        try await offThePool { [self] in
            let store = try openStore()
            defer { store.close() }
            try putRaw(store, ["id": .obj(["S": "sess:stub"]), "expires": .obj(["N": "1000"])])
            try putRaw(store, ["id": .obj(["S": "sess:text"]), "expires": .obj(["S": "1000"]), "sess": .obj(["S": "{}"])])
            try putRaw(store, ["id": .obj(["S": "sess:forever"]), "sess": .obj(["S": "{}"])])
            #expect(try StoreFixture.result { try store.reap($0) }.get() == 1)
            #expect(try StoreFixture.result { try store.list(withData: false, $0) }.get().map(\.id) == ["forever"])
            #expect(try StoreFixture.result { try store.clear($0) }.get() == 2)
        }
    }

    @Test(.enabled(if: endpoint != nil))
    func aSessThatIsNotJSONIsNoSessionAndAWarningForGetAndAll() async throws {
        try await offThePool { [self] in
            let log = LogLines()
            let store = try openStore(log)
            defer { store.close() }
            try putRaw(store, ["id": .obj(["S": "sess:bad\r\nforged"]), "expires": .obj(["N": .string(Self.future)]),
                               "sess": .obj(["S": "{not json"])])
            try StoreFixture.result { try store.set("good", data: Array("{\"a\":1}".utf8), expires: 0, $0) }.get()
            #expect(code(try StoreFixture.result { try store.get("bad\r\nforged", $0) }) == .notFound)
            let all = try StoreFixture.result { try store.list(withData: true, $0) }.get()
            #expect(all.map(\.id) == ["good"])
            let warnings = log.warnings
            #expect(warnings.count == 2)
            #expect(warnings.allSatisfy { $0.contains("bad\\r\\nforged") && $0.contains("not a JSON object") })
            #expect(warnings.allSatisfy { !$0.contains("\n") && !$0.contains("\r") })
        }
    }
}
