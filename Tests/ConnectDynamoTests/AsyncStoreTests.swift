import Glibc
import Testing
@testable import ConnectDynamo

/// The store's async calls against a real endpoint (CDYN_TEST_ENDPOINT,
/// moto's server; skipped without it).
struct AsyncStoreTests {
    static let endpoint = StoreFixture.endpoint

    func openStore() throws -> SessionStore {
        try SessionStore(options: StoreFixture.options(table: uniqueTable("async")))
    }

    @Test(.enabled(if: endpoint != nil))
    func aSessionLivesAndDiesThroughTheAsyncCalls() async throws {
        let store = try openStore()
        defer { store.close() }
        let data = Array(#"{"user":"ada","cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}"#.utf8)
        let expires = Int64(Clock.epochSeconds()) + 600
        try await store.set("s1", data: data, expires: expires, condition: .noLiveSession)
        let read = try await store.get("s1")
        #expect(read.id == "s1" && read.data == data && read.expires == expires)
        #expect(try await store.length() == 1)
        #expect(try await store.list(withData: false).map(\.id) == ["s1"])
        try await store.touch("s1", expires: expires + 60)
        #expect(try await store.get("s1").expires == expires + 60)
        try await store.destroy("s1")
        let destroyed = await #expect(throws: StoreError.self) { try await store.get("s1") }
        #expect(destroyed?.code == .notFound)
    }

    @Test(.enabled(if: endpoint != nil))
    func failedConditionsAndExpiredSessionsThrowTheStoresErrors() async throws {
        let store = try openStore()
        defer { store.close() }
        let now = Int64(Clock.epochSeconds())
        try await store.set("taken", data: Array("{}".utf8), expires: now + 600)
        let taken = await #expect(throws: StoreError.self) {
            try await store.set("taken", data: Array("{}".utf8), expires: now + 600, condition: .noLiveSession)
        }
        #expect(taken?.code == .conditionFailed)
        let gone = await #expect(throws: StoreError.self) {
            try await store.set("gone", data: Array("{}".utf8), expires: now + 600, condition: .liveSession)
        }
        #expect(gone?.code == .notFound)
        try await store.set("old", data: Array("{}".utf8), expires: now - 10)
        let expired = await #expect(throws: StoreError.self) { try await store.get("old") }
        #expect(expired?.code == .notFound)
        #expect(try await store.reap() == 1)
    }

    @Test func aCallThatCannotStartThrowsAtOnce() async throws {
        var options = StoreOptions()
        options.endpoint = "http://127.0.0.1:9"
        options.region = "us-east-1"
        options.credentials = Credentials(accessKeyId: "a", secretAccessKey: "b")
        options.environment = Environment { _ in nil }
        let store = try SessionStore(options: options)
        let invalid = await #expect(throws: StoreError.self) { try await store.get("") }
        #expect(invalid?.code == .invalidArgument)
        store.close()
        let closed = await #expect(throws: StoreError.self) { try await store.destroy("x") }
        #expect(closed?.code == .closed)
    }
}
