/// The AWS CLI's SSO token cache: ~/.aws/sso/cache/<sha1 of the key>.json,
/// written by `aws sso login`, where the key is the sso-session name (or,
/// for older profiles, the start URL):
///
///     {"startUrl": ..., "region": ..., "accessToken": ..., "expiresAt": "...Z",
///      "clientId": ..., "clientSecret": ..., "refreshToken": ...,
///      "registrationExpiresAt": "...Z"}
///
/// The last four, present for sso-session sign-ins, let a client renew the
/// access token itself (SSO OIDC CreateToken with the refresh token), as
/// the CLI and the SDKs do; the renewed token is written back, the file's
/// other fields kept, so that the CLI sees it too.
struct SSOTokenCache {
    struct Refresh: Sendable {
        var clientId: String
        var clientSecret: String
        var refreshToken: String
    }

    struct Entry: Sendable {
        var accessToken: String
        var expiresAt: Double
        /// How to renew it, when the sign-in left what that takes and its
        /// client registration has not expired.
        var refresh: Refresh?
        /// The whole document, to write back with the renewed token.
        var document: JSON
    }

    let path: String

    init(key: String, env: Environment) {
        path = env.expandingHome("~/.aws/sso/cache/\(Digest.sha1Hex(key)).json")
    }

    enum ReadFailure: Error {
        case missing
        case unusable(String)
    }

    func read(now: Double) throws(ReadFailure) -> Entry {
        let bytes: [UInt8]
        do throws(FileReader.Failure) {
            bytes = try FileReader.contents(of: path)
        } catch {
            switch error {
            case .missing: throw .missing
            case .unreadable(let why): throw .unusable(why)
            }
        }
        return try SSOTokenCache.entry(parsing: bytes, path: path, now: now)
    }

    /// The cache file's bytes (from `path`, named in the error) as an entry.
    static func entry(parsing bytes: [UInt8], path: String, now: Double) throws(ReadFailure) -> Entry {
        guard let document = try? JSON.parse(bytes), case .object = document,
              let token = document["accessToken"]?.stringValue, !token.isEmpty,
              let expiresText = document["expiresAt"]?.stringValue,
              let expires = SSOTokenCache.time(expiresText) else {
            throw .unusable("\(path) has no accessToken and expiresAt")
        }
        var refresh: Refresh?
        if let id = document["clientId"]?.stringValue, !id.isEmpty,
           let secret = document["clientSecret"]?.stringValue, !secret.isEmpty,
           let refreshToken = document["refreshToken"]?.stringValue, !refreshToken.isEmpty,
           (document["registrationExpiresAt"]?.stringValue).flatMap(SSOTokenCache.time).map({ $0 > now }) ?? true {
            refresh = Refresh(clientId: id, clientSecret: secret, refreshToken: refreshToken)
        }
        return Entry(accessToken: token, expiresAt: expires, refresh: refresh, document: document)
    }

    /// Writes `entry`'s token, expiry and refresh token into its document
    /// and replaces the file with it (a new file renamed over the old, so
    /// a reader never sees half of one). Returns why not, on failure.
    func write(_ entry: Entry) -> String? {
        guard case .object(var members) = entry.document else { return "not a JSON object" }
        func put(_ key: String, _ value: String) {
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = .string(value)
            } else {
                members.append(JSON.Member(key, .string(value)))
            }
        }
        put("accessToken", entry.accessToken)
        put("expiresAt", SSOTokenCache.text(entry.expiresAt))
        if let refresh = entry.refresh { put("refreshToken", refresh.refreshToken) }
        let bytes = JSON.object(members).encoded()
        return AtomicFile.write(bytes, to: path)
    }

    /// "2024-01-01T00:00:00Z", or older CLIs' "2024-01-01T00:00:00UTC".
    static func time(_ text: String) -> Double? {
        ISO8601.epochSeconds(text.hasSuffix("UTC") ? String(text.dropLast(3)) + "Z" : text)
    }

    /// Epoch seconds as "YYYY-MM-DDTHH:MM:SSZ".
    static func text(_ epochSeconds: Double) -> String {
        let t = Clock.utc(epochSeconds.isFinite ? Int64(max(0, min(epochSeconds, 253_402_300_799))) : 0)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(t.year)-\(two(t.month))-\(two(t.day))T"
            + "\(two(t.hour)):\(two(t.minute)):\(two(t.second))Z"
    }
}
