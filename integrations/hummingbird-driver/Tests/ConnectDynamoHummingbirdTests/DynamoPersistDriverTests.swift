import ConnectDynamo
import ConnectDynamoHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The Hummingbird driver through HummingbirdAuth's session middleware and
/// HummingbirdTesting, and as a PersistDriver, against moto.
@Suite(.enabled(if: endpoint != nil))
struct DynamoPersistDriverTests {
    @Test func aUserLogsInIsReadBackAndLogsOut() async throws {
        let store = try openStore()
        defer { store.close() }
        let before = Int64(now())
        try await sessionApp(store).test(.router) { client in
            let id = try await client.execute(uri: "/login/ada", method: .post) { res in
                #expect(res.status == .ok)
                return try #require(sessionID(of: res))
            }
            let after = Int64(now().rounded(.up))
            let stored = try await store.get(id)
            #expect((before + 600...after + 601).contains(stored.expires))
            let json = try await storedJSON(store, id)
            #expect(json["user"] as? String == "ada")
            #expect((json["cookie"] as? [String: Any])?["originalMaxAge"] as? Int == 600_000)

            try await client.execute(uri: "/me", method: .get, headers: withSession(id)) { res in
                #expect(res.status == .ok)
                #expect(String(buffer: res.body) == "ada")
            }
            try await client.execute(uri: "/logout", method: .post, headers: withSession(id)) { res in
                #expect(res.status == .ok)
            }
            let gone = await #expect(throws: StoreError.self) { try await store.get(id) }
            #expect(gone?.code == .notFound)
            try await client.execute(uri: "/me", method: .get, headers: withSession(id)) { res in
                #expect(res.status == .unauthorized)
            }
        }
    }

    @Test func anExpiredSessionIsNotLoaded() async throws {
        let store = try openStore()
        defer { store.close() }
        try await store.ensureTable()
        try await store.set("expired", data: Array(#"{"user":"ada"}"#.utf8), expires: Int64(now()) - 10)
        try await sessionApp(store).test(.router) { client in
            try await client.execute(uri: "/me", method: .get, headers: withSession("expired")) { res in
                #expect(res.status == .unauthorized)
            }
        }
        let driver = DynamoPersistDriver(store: store)
        #expect(try await driver.get(key: "expired", as: UserSession.self) == nil)
    }

    @Test func expiryFollowsMemoryPersistDriversRules() async throws {
        let store = try openStore()
        defer { store.close() }
        let pinned = now()
        let driver = DynamoPersistDriver(store: store, now: { pinned })
        try await store.ensureTable()
        try await driver.create(key: "k", value: UserSession(user: "ada"), expires: .seconds(600))
        let expires = try await store.get("k").expires
        #expect(expires == Int64((pinned + 600).rounded(.up)))
        await #expect(throws: PersistError.duplicate) {
            try await driver.create(key: "k", value: UserSession(user: "grace"), expires: .seconds(60))
        }
        // set without a duration keeps the expiry; with one, moves it.
        try await driver.set(key: "k", value: UserSession(user: "grace"), expires: nil)
        #expect(try await store.get("k").expires == expires)
        #expect(try await driver.get(key: "k", as: UserSession.self) == UserSession(user: "grace"))
        let (object, ttl) = try #require(try await driver.getWithTTL(key: "k", as: UserSession.self))
        #expect(object.user == "grace")
        #expect(ttl == .milliseconds(Int64((Double(expires) - pinned) * 1000)))
        try await driver.set(key: "k", value: UserSession(user: "grace"), expires: .seconds(900))
        #expect(try await store.get("k").expires == Int64((pinned + 900).rounded(.up)))
        // Removed, then set anew without a duration: the store's default TTL.
        try await driver.remove(key: "k")
        #expect(try await driver.get(key: "k", as: UserSession.self) == nil)
        try await driver.set(key: "k", value: UserSession(user: "new"), expires: nil)
        #expect(try await driver.get(key: "k", as: UserSession.self) == UserSession(user: "new"))
    }

    @Test func valuesThatAreNotObjectsRoundTripAndMismatchedTypesDoNotConvert() async throws {
        let store = try openStore()
        defer { store.close() }
        let driver = DynamoPersistDriver(store: store)
        try await driver.set(key: "n", value: 42, expires: .seconds(60))
        #expect(try await driver.get(key: "n", as: Int.self) == 42)
        #expect(try await storedJSON(store, "n")["value"] as? Int == 42)
        await #expect(throws: PersistError.invalidConversion) {
            _ = try await driver.get(key: "n", as: UserSession.self)
        }
        struct Reserved: Codable { var cookie = "mine" }
        let reserved = await #expect(throws: StoreError.self) {
            try await driver.set(key: "r", value: Reserved(), expires: .seconds(60))
        }
        #expect(reserved?.code == .invalidArgument)
    }
}
