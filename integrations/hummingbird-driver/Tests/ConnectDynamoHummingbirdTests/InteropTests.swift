import ConnectDynamo
import ConnectDynamoHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// One table, one user, four stacks: what the Hummingbird app writes the
/// Python and Node bindings read, and the Hummingbird app loads what Flask
/// and Node wrote. Needs the built library and Node addon
/// (`make test-swift-web` builds both).
@Suite(.enabled(if: endpoint != nil))
struct InteropTests {
    @Test func pythonAndNodeReadTheSessionTheHummingbirdAppWrote() async throws {
        let store = try openStore()
        defer { store.close() }
        try await sessionApp(store).test(.router) { client in
            let id = try await client.execute(uri: "/login/ada", method: .post) { res in
                try #require(sessionID(of: res))
            }
            for reader in ["python-get", "node-get"] {
                let text = try peer(reader, store.options.table, endpoint ?? "", id)
                let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                #expect(json["user"] as? String == "ada", "\(reader)")
                #expect((json["cookie"] as? [String: Any])?["httpOnly"] as? Bool == true, "\(reader)")
            }
        }
    }

    @Test func theHummingbirdAppLoadsSessionsFlaskAndNodeWrote() async throws {
        let store = try openStore()
        defer { store.close() }
        try await store.ensureTable()
        let table = store.options.table
        let flaskID = try peer("flask-login", table, endpoint ?? "", "grace")
        let nodeSession = #"{"cookie":{"originalMaxAge":600000,"expires":null,"httpOnly":true,"path":"/"},"user":"linus"}"#
        _ = try peer("node-set", table, endpoint ?? "", "node-sid", nodeSession)
        try await sessionApp(store).test(.router) { client in
            for (id, user) in [(flaskID, "grace"), ("node-sid", "linus")] {
                try await client.execute(uri: "/me", method: .get, headers: withSession(id)) { res in
                    #expect(res.status == .ok)
                    #expect(String(buffer: res.body) == user)
                }
            }
        }
    }
}
