import ConnectDynamo
import ConnectDynamoHummingbird
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import HummingbirdTesting
import Testing

/// The local DynamoDB the suite runs against (CDYN_TEST_ENDPOINT, as
/// `scripts/localdynamo.py run` sets it); the tests are skipped without it.
let endpoint = ProcessInfo.processInfo.environment["CDYN_TEST_ENDPOINT"]

/// A store on a table of its own, so tests run side by side.
func openStore() throws -> SessionStore {
    var options = StoreOptions()
    options.table = "hb-\(UUID().uuidString.prefix(12).lowercased())"
    options.endpoint = endpoint
    options.region = "us-east-1"
    options.credentials = Credentials(accessKeyId: "testing", secretAccessKey: "testing")
    options.environment = ConnectDynamo.Environment { _ in nil }
    return try SessionStore(options: options)
}

struct UserSession: Codable, Sendable, Equatable {
    var user: String
}

/// A Hummingbird app whose sessions live in `store` through
/// HummingbirdAuth's SessionMiddleware: log in, who am I, log out. Its keys
/// carry no prefix, so its session ids are the other languages' ones.
func sessionApp(_ store: SessionStore) -> some ApplicationProtocol {
    let router = Router(context: BasicSessionRequestContext<UserSession, String>.self)
    router.add(middleware: SessionMiddleware(
        storage: DynamoPersistDriver(store: store),
        configuration: .init(keyPrefix: "", defaultSessionExpiration: .seconds(600))))
    router.post("login/{user}") { _, context -> String in
        let user = try context.parameters.require("user")
        context.sessions.setSession(UserSession(user: user))
        return "welcome"
    }
    router.get("me") { _, context -> String in
        guard let session = context.sessions.session else { throw HTTPError(.unauthorized) }
        return session.user
    }
    router.post("logout") { _, context -> String in
        context.sessions.clearSession()
        return "bye"
    }
    return Application(router: router)
}

/// The session id a response's Set-Cookie gives.
func sessionID(of response: TestResponse) -> String? {
    guard let header = response.headers[.setCookie],
          let pair = header.split(separator: ";").first,
          pair.hasPrefix("SESSION_ID=") else { return nil }
    return String(pair.dropFirst("SESSION_ID=".count))
}

func withSession(_ id: String) -> HTTPFields {
    [.cookie: "SESSION_ID=\(id)"]
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
