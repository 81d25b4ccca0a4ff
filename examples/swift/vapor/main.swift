// A Vapor app whose sessions live in DynamoDB, in the same table (and the
// same format) as express-session, Flask and C users of connect-dynamo.
//
//   scripts/localdynamo.py run --aws-env -- \
//       swift run --package-path integrations/vapor-driver VaporExample
//
// then open http://127.0.0.1:8080/ and reload: the visit count is a session
// value. With --check it starts on a free port, makes one request, checks
// the session reached the table and stops (what `make test` runs).
import ConnectDynamo
import ConnectDynamoVapor
import Vapor

let check = CommandLine.arguments.contains("--check")

// Region, endpoint and credentials come from the usual AWS settings.
var options = StoreOptions()
options.table = ProcessInfo.processInfo.environment["SESSIONS_TABLE"] ?? "sessions"
let store = try SessionStore(options: options)

let environment = try Vapor.Environment.detect(arguments: CommandLine.arguments.filter { $0 != "--check" })
let app = try await Application.make(environment)
app.sessions.configuration.cookieFactory = { id in
    HTTPCookies.Value(string: id.string, maxAge: 3600, path: "/", isHTTPOnly: true, sameSite: .lax)
}
app.sessions.use(.dynamo(store))
app.middleware.use(app.sessions.middleware)

app.get { req -> String in
    let visits = (Int(req.session.data["visits"] ?? "") ?? 0) + 1
    req.session.data["visits"] = String(visits)
    return "visits: \(visits)\n"
}

/// Starts on a free port, sends one request, checks the answer and the
/// session it stored, and stops the server.
func checkOnce(_ app: Application, _ store: SessionStore) async -> Bool {
    do {
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
    } catch {
        print("check failed to start: \(error)")
        return false
    }
    let server = app.http.server.shared
    let passed = await requestOnce(app, store, port: server.localAddress?.port)
    await server.shutdown()
    return passed
}

func requestOnce(_ app: Application, _ store: SessionStore, port: Int?) async -> Bool {
    do {
        guard let port else { return false }
        let response = try await app.client.get("http://127.0.0.1:\(port)/")
        let body = response.body.map { String(buffer: $0) } ?? ""
        guard response.status == .ok, body == "visits: 1\n",
              let id = response.headers.setCookie?["vapor-session"]?.string else {
            print("unexpected answer: \(response.status) \(body)")
            return false
        }
        let stored = try await store.get(id)
        print("GET / -> \(body.trimmingCharacters(in: .newlines)); stored: \(String(decoding: stored.data, as: UTF8.self))")
        return true
    } catch {
        print("check failed: \(error)")
        return false
    }
}

if check {
    let passed = await checkOnce(app, store)
    try await app.asyncShutdown()
    store.close()
    exit(passed ? 0 : 1)
}
do {
    try await app.execute()
} catch {
    app.logger.report(error: error)
}
try await app.asyncShutdown()
store.close()
