import ConnectDynamo
import ConnectDynamoVapor
import Foundation
import Testing
import Vapor
import VaporTesting

/// The local DynamoDB the suite runs against (CDYN_TEST_ENDPOINT, as
/// `scripts/localdynamo.py run` sets it); the tests are skipped without it.
let endpoint = ProcessInfo.processInfo.environment["CDYN_TEST_ENDPOINT"]

/// A store on a table of its own, so tests run side by side.
func openStore() throws -> SessionStore {
    var options = StoreOptions()
    options.table = "vapor-\(UUID().uuidString.prefix(12).lowercased())"
    options.endpoint = endpoint
    options.region = "us-east-1"
    options.credentials = Credentials(accessKeyId: "testing", secretAccessKey: "testing")
    options.environment = ConnectDynamo.Environment { _ in nil }
    return try SessionStore(options: options)
}

/// A Vapor app whose sessions live in `store`: log in, who am I, log out.
func withSessionApp(_ store: SessionStore,
                    cookie: (@Sendable (SessionID) -> HTTPCookies.Value)? = nil,
                    _ test: (Application) async throws -> Void) async throws {
    try await withApp(configure: { app in
        if let cookie { app.sessions.configuration.cookieFactory = cookie }
        app.sessions.use(.dynamo(store))
        app.middleware.use(app.sessions.middleware)
        app.post("login", ":user") { req in
            req.session.data["user"] = req.parameters.get("user")
            return "welcome"
        }
        app.get("me") { req in
            guard let user = req.session.data["user"] else { throw Abort(.unauthorized) }
            return user
        }
        app.post("logout") { req in
            req.session.destroy()
            return "bye"
        }
    }, test)
}

let cookieName = "vapor-session"

func sessionID(of response: TestingHTTPResponse) -> String? {
    response.headers.setCookie?[cookieName]?.string
}

func withSession(_ id: String) -> (inout TestingHTTPRequest) async throws -> Void {
    { request in request.headers.cookie = [cookieName: .init(string: id)] }
}

/// The stored session's JSON, as another language reads it.
func storedJSON(_ store: SessionStore, _ id: String) async throws -> [String: Any] {
    let stored = try await store.get(id)
    return try #require(JSONSerialization.jsonObject(with: Data(stored.data)) as? [String: Any])
}

func now() -> Double { Date().timeIntervalSince1970 }

/// Runs integrations/interop/peer.py (the Python and Node bindings' side);
/// its standard output, or a failure with its standard error.
func peer(_ arguments: String...) throws -> String {
    let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("interop/peer.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    struct PeerFailed: Error, CustomStringConvertible { let description: String }
    guard process.terminationStatus == 0 else {
        throw PeerFailed(description: "peer.py \(arguments.joined(separator: " ")): " + String(decoding: errors, as: UTF8.self))
    }
    return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
