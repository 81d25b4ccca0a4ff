// A Hummingbird app whose sessions (HummingbirdAuth's SessionMiddleware)
// live in DynamoDB, in the same table (and the same format) as
// express-session, Flask and C users of connect-dynamo.
//
//   scripts/localdynamo.py run --aws-env -- \
//       swift run --package-path integrations/hummingbird-driver HummingbirdExample
//
// then open http://127.0.0.1:8080/ and reload: the visit count is a session
// value. With --check it starts on a free port, makes one request, checks
// the session reached the table and stops (what `make test` runs).
import ConnectDynamo
import ConnectDynamoHummingbird
import Hummingbird
import HummingbirdAuth
import HummingbirdTesting

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

struct Visits: Codable, Sendable {
    var visits: Int
}

// Region, endpoint and credentials come from the usual AWS settings.
var options = StoreOptions()
options.table = ProcessInfo.processInfo.environment["SESSIONS_TABLE"] ?? "sessions"
let store = try SessionStore(options: options)

let router = Router(context: BasicSessionRequestContext<Visits, Never>.self)
// No key prefix: the session id in the cookie is the id every language
// sees in the table.
router.add(middleware: SessionMiddleware(
    storage: DynamoPersistDriver(store: store),
    configuration: .init(keyPrefix: "", defaultSessionExpiration: .seconds(3600))))
router.get("/") { _, context -> String in
    let visits = (context.sessions.session?.visits ?? 0) + 1
    // An update keeps the session id and expiry; a first visit starts one.
    if !context.sessions.updateSession(Visits(visits: visits)) {
        context.sessions.setSession(Visits(visits: visits))
    }
    return "visits: \(visits)\n"
}

if CommandLine.arguments.contains("--check") {
    // HummingbirdTesting's live mode: the real server on a free port, one
    // real HTTP request, then shutdown.
    let checkApp = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    var passed = false
    do {
        passed = try await checkApp.test(.live) { client in
            try await client.execute(uri: "/", method: .get) { response in
                let body = String(buffer: response.body)
                guard response.status == .ok, body == "visits: 1\n",
                      let cookie = response.headers[.setCookie],
                      let pair = cookie.split(separator: ";").first,
                      pair.hasPrefix("SESSION_ID=") else {
                    print("unexpected answer: \(response.status) \(body)")
                    return false
                }
                let stored = try await store.get(String(pair.dropFirst("SESSION_ID=".count)))
                print("GET / -> \(body.trimmingCharacters(in: .newlines)); stored: \(String(decoding: stored.data, as: UTF8.self))")
                return true
            }
        }
    } catch {
        print("check failed: \(error)")
    }
    store.close()
    exit(passed ? 0 : 1)
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
try await app.runService()
store.close()
