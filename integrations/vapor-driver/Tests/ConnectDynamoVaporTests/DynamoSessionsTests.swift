import ConnectDynamo
@testable import ConnectDynamoVapor
import Foundation
import Testing
import Vapor
import VaporTesting

/// The Vapor driver through Vapor's own testing tools, against moto.
@Suite(.enabled(if: endpoint != nil))
struct DynamoSessionsTests {
    @Test func aUserLogsInIsReadBackAndLogsOut() async throws {
        let store = try openStore()
        defer { store.close() }
        try await withSessionApp(store) { app in
            let tester = try app.testing()
            var id = ""
            try await tester.test(.POST, "login/ada") { res in
                #expect(res.status == .ok)
                id = try #require(sessionID(of: res))
            }
            let stored = try await storedJSON(store, id)
            #expect(stored["user"] as? String == "ada")
            #expect(stored["cookie"] is [String: Any])

            try await tester.test(.GET, "me", beforeRequest: withSession(id)) { res in
                #expect(res.status == .ok)
                #expect(res.body.string == "ada")
            }
            try await tester.test(.POST, "logout", beforeRequest: withSession(id)) { res in
                #expect(res.status == .ok)
            }
            let gone = await #expect(throws: StoreError.self) { try await store.get(id) }
            #expect(gone?.code == .notFound)
            try await tester.test(.GET, "me", beforeRequest: withSession(id)) { res in
                #expect(res.status == .unauthorized)
            }
        }
    }

    @Test func aSessionExpiresWithItsCookieAndTheCookieIsStoredAsExpressSessionsOwn() async throws {
        let store = try openStore()
        defer { store.close() }
        let cookie: @Sendable (SessionID) -> HTTPCookies.Value = {
            HTTPCookies.Value(string: $0.string, maxAge: 600, path: "/app", isSecure: true,
                              isHTTPOnly: true, sameSite: .strict)
        }
        try await withSessionApp(store, cookie: cookie) { app in
            let before = Int64(now())
            var id = ""
            try await app.testing().test(.POST, "login/ada") { res in id = try #require(sessionID(of: res)) }
            let after = Int64(now().rounded(.up))
            let stored = try await store.get(id)
            #expect((before + 600...after + 601).contains(stored.expires))
            let json = try await storedJSON(store, id)
            let expressCookie = try #require(json["cookie"] as? [String: Any])
            #expect(expressCookie["originalMaxAge"] as? Int == 600_000)
            #expect(expressCookie["path"] as? String == "/app")
            #expect(expressCookie["secure"] as? Bool == true)
            #expect(expressCookie["httpOnly"] as? Bool == true)
            #expect(expressCookie["sameSite"] as? String == "strict")
            #expect((expressCookie["expires"] as? String)?.hasSuffix("Z") == true)
        }
    }

    @Test func anExpiredSessionIsNotLoaded() async throws {
        let store = try openStore()
        defer { store.close() }
        try await store.ensureTable()
        let past = Int64(now()) - 10
        try await store.set("expired", data: Array(#"{"user":"ada","cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}"#.utf8),
                            expires: past)
        try await withSessionApp(store) { app in
            try await app.testing().test(.GET, "me", beforeRequest: withSession("expired")) { res in
                #expect(res.status == .unauthorized)
            }
        }
    }

    @Test func aSessionDeletedWhileARequestRanIsNotWrittenBack() async throws {
        let store = try openStore()
        defer { store.close() }
        try await withSessionApp(store) { app in
            var id = ""
            try await app.testing().test(.POST, "login/ada") { res in id = try #require(sessionID(of: res)) }
            // A request loads the session; a logout deletes it; then the
            // first request's update arrives.
            let driver = DynamoSessions(store: store, configuration: app.sessions.configuration)
            let request = Request(application: app, on: app.eventLoopGroup.next())
            let loaded = try #require(try await driver.readSession(SessionID(string: id), for: request).get())
            try await store.destroy(id)
            _ = try await driver.updateSession(SessionID(string: id), to: loaded, for: request).get()
            let gone = await #expect(throws: StoreError.self) { try await store.get(id) }
            #expect(gone?.code == .notFound)
        }
    }

    @Test func valuesOtherLanguagesStoredAsJSONSurviveAVaporWrite() async throws {
        let store = try openStore()
        defer { store.close() }
        try await store.ensureTable()
        let node = #"{"user":"ada","visits":3,"prefs":{"dark":true},"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}"#
        try await store.set("from-node", data: Array(node.utf8), expires: Int64(now()) + 600)
        try await withSessionApp(store) { app in
            try await app.testing().test(.POST, "login/grace", beforeRequest: withSession("from-node")) { res in
                #expect(res.status == .ok)
            }
        }
        let json = try await storedJSON(store, "from-node")
        #expect(json["user"] as? String == "grace")
        #expect(json["visits"] as? Int == 3)
        #expect((json["prefs"] as? [String: Any])?["dark"] as? Bool == true)
    }

    @Test func aNewSessionNeverReplacesALiveOne() async throws {
        let store = try openStore()
        defer { store.close() }
        try await withSessionApp(store) { app in
            let driver = DynamoSessions(store: store, configuration: app.sessions.configuration)
            let request = Request(application: app, on: app.eventLoopGroup.next())
            let first = try await driver.createSession(["user": "ada"], for: request).get()
            let second = try await driver.createSession(["user": "grace"], for: request).get()
            #expect(first != second)
            #expect(try await storedJSON(store, first.string)["user"] as? String == "ada")
        }
    }
}
