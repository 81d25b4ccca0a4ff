import Testing
@testable import ConnectDynamo

/// The express-session shape that Swift servers write and read, so that
/// express, Flask and Swift apps can load each other's sessions.
struct ExpressSessionTests {
    @Test func readingKeepsTheCookieApartAndWritingPutsItBack() throws {
        let text = #"{"user":"ada","cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"n":[1,2.5]}"#
        let session = try ExpressSession(json: Array(text.utf8))
        #expect(session.members.map(\.key) == ["user", "n"])
        #expect(session["user"] == .string("ada"))
        #expect(session["cookie"] == nil)
        #expect(session.cookie?["path"] == .string("/"))
        #expect(String(decoding: session.json, as: UTF8.self)
            == #"{"user":"ada","n":[1,2.5],"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}}"#)
    }

    @Test func aSessionThatIsNotAnObjectIsAnInvalidArgument() {
        for text in ["[1]", "\"s\"", "{", ""] {
            let error = #expect(throws: StoreError.self) { try ExpressSession(json: Array(text.utf8)) }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func membersNamedCookieAreNotTheSessionsOwn() {
        let session = ExpressSession(members: [JSON.Member("cookie", "x"), JSON.Member("a", 1)])
        #expect(session.members == [JSON.Member("a", 1)])
        #expect(String(decoding: session.json, as: UTF8.self) == #"{"a":1}"#)
    }

    @Test func aCookieWithALifetimeSerializesAsExpressSessionDoes() {
        let now = 1_893_456_000.25  // 2030-01-01T00:00:00.250Z
        let cookie = ExpressCookie(maxAgeSeconds: 3600, now: now, secure: true, sameSite: "Lax", domain: "example.com")
        #expect(String(decoding: cookie.json.encoded(), as: UTF8.self)
            == #"{"originalMaxAge":3600000,"expires":"2030-01-01T01:00:00.250Z","secure":true,"httpOnly":true,"domain":"example.com","path":"/","sameSite":"lax"}"#)
        #expect(cookie.sessionExpiry == 1_893_459_601)
    }

    @Test func aBrowserSessionCookieHasNoExpiryAndTheStoreDefaultApplies() {
        let cookie = ExpressCookie(maxAgeSeconds: nil, now: 1_893_456_000, httpOnly: false)
        #expect(String(decoding: cookie.json.encoded(), as: UTF8.self)
            == #"{"originalMaxAge":null,"expires":null,"httpOnly":false,"path":"/"}"#)
        #expect(cookie.sessionExpiry == 0)
    }

    @Test func lifetimesThatAreNotNumbersOrOutOfRangeNeverTrap() {
        for bad in [Double.nan, .infinity, -.infinity, 1e300, -1e300] {
            let cookie = ExpressCookie(maxAgeSeconds: bad, now: 1_893_456_000)
            #expect(cookie.json["expires"] != nil)
            _ = cookie.sessionExpiry
        }
        #expect(ExpressCookie(maxAgeSeconds: 1e300, now: 0).json["expires"] == .null)
    }
}
