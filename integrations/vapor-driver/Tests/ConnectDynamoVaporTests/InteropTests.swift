import ConnectDynamo
import ConnectDynamoVapor
import Foundation
import Testing
import Vapor
import VaporTesting

/// One table, one user, four stacks: what the Vapor app writes the Python
/// and Node bindings read, and the Vapor app loads what Flask and Node
/// wrote. Needs the built library and Node addon (`make test-swift-web`
/// builds both).
@Suite(.enabled(if: endpoint != nil))
struct InteropTests {
    @Test func pythonAndNodeReadTheSessionTheVaporAppWrote() async throws {
        let store = try openStore()
        defer { store.close() }
        try await withSessionApp(store) { app in
            var id = ""
            try await app.testing().test(.POST, "login/ada") { res in id = try #require(sessionID(of: res)) }
            for reader in ["python-get", "node-get"] {
                let text = try peer(reader, store.options.table, endpoint ?? "", id)
                let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                #expect(json["user"] as? String == "ada", "\(reader)")
                #expect((json["cookie"] as? [String: Any])?["path"] as? String == "/", "\(reader)")
            }
        }
    }

    @Test func theVaporAppLoadsSessionsFlaskAndNodeWrote() async throws {
        let store = try openStore()
        defer { store.close() }
        try await store.ensureTable()
        let table = store.options.table
        let flaskID = try peer("flask-login", table, endpoint ?? "", "grace")
        let nodeSession = #"{"cookie":{"originalMaxAge":600000,"expires":null,"httpOnly":true,"path":"/"},"user":"linus"}"#
        _ = try peer("node-set", table, endpoint ?? "", "node-sid", nodeSession)
        try await withSessionApp(store) { app in
            for (id, user) in [(flaskID, "grace"), ("node-sid", "linus")] {
                try await app.testing().test(.GET, "me", beforeRequest: withSession(id)) { res in
                    #expect(res.status == .ok)
                    #expect(res.body.string == user)
                }
            }
        }
        // Vapor wrote Flask's session back; Flask's own members kept their types.
        #expect(try await storedJSON(store, flaskID)["visits"] as? Int == 1)
    }
}
