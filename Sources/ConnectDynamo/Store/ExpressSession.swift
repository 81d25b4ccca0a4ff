/// A session in express-session's shape, the one every language reads from
/// the table: a JSON object of the session's own members plus `cookie`,
/// express-session's serialized Cookie. express-session dereferences
/// `cookie` when it loads a session, so whatever writes a session that an
/// express app may load must write one; `cookie` is therefore a reserved
/// member name, as it is in express-session.
public struct ExpressSession: Sendable, Equatable {
    public static let cookieKey = "cookie"

    /// The session's own members, in order, without `cookie`.
    public var members: [JSON.Member]
    /// The `cookie` object as stored; nil when the session has none.
    public var cookie: JSON?

    public init(members: [JSON.Member] = [], cookie: JSON? = nil) {
        self.members = members.filter { $0.key != ExpressSession.cookieKey }
        self.cookie = cookie
    }

    /// Reads a stored session's JSON text (`StoredSession.data`).
    /// - Throws: `StoreError` `.invalidArgument` unless it is a JSON object.
    public init(json: [UInt8]) throws(StoreError) {
        let parsed: JSON
        do throws(JSONError) {
            parsed = try JSON.parse(json)
        } catch {
            throw .invalid("session is not JSON: \(error)")
        }
        guard let members = parsed.objectValue else { throw .invalid("session is not a JSON object") }
        self.init(members: members, cookie: parsed[ExpressSession.cookieKey])
    }

    /// The first of the session's own members named `key`.
    public subscript(key: String) -> JSON? {
        members.first { $0.key == key }?.value
    }

    /// The session as it is stored: its members, then `cookie` if any.
    public var json: [UInt8] {
        JSON.object(members + (cookie.map { [JSON.Member(ExpressSession.cookieKey, $0)] } ?? [])).encoded()
    }
}

/// The cookie a session was sent with, as express-session serializes it
/// into the session, and the expiry connect-dynamodb derives from it.
public struct ExpressCookie: Sendable, Equatable {
    /// When the cookie expires, epoch seconds; nil for a browser-session
    /// cookie.
    public var expires: Double?
    /// The lifetime it was given, milliseconds (express-session's
    /// originalMaxAge); nil for a browser-session cookie.
    public var originalMaxAgeMillis: Int64?
    public var path: String
    public var httpOnly: Bool
    public var secure: Bool
    /// "strict", "lax" or "none"; nil when not set.
    public var sameSite: String?
    public var domain: String?

    /// A cookie sent at `now` (epoch seconds) that lives `maxAgeSeconds`
    /// (nil: until the browser closes). A lifetime that is not a finite
    /// number is taken as nil.
    public init(maxAgeSeconds: Double?, now: Double, path: String = "/", httpOnly: Bool = true,
                secure: Bool = false, sameSite: String? = nil, domain: String? = nil) {
        let lifetime = maxAgeSeconds.flatMap { $0.isFinite ? $0 : nil }
        self.expires = lifetime.map { now + $0 }
        self.originalMaxAgeMillis = lifetime.flatMap { ExpressCookie.wholeNumber($0 * 1000) }
        self.path = path
        self.httpOnly = httpOnly
        self.secure = secure
        self.sameSite = sameSite?.lowercased()
        self.domain = domain
    }

    /// express-session's Cookie#toJSON: originalMaxAge and expires always
    /// (null for a browser-session cookie), the flags only when set.
    public var json: JSON {
        var members = [
            JSON.Member("originalMaxAge", originalMaxAgeMillis.map { .number(String($0)) } ?? .null),
            JSON.Member("expires", expires.flatMap(ExpressCookie.javaScriptDate).map { .string($0) } ?? .null),
        ]
        if secure { members.append(JSON.Member("secure", .bool(true))) }
        members.append(JSON.Member("httpOnly", .bool(httpOnly)))
        if let domain, !domain.isEmpty { members.append(JSON.Member("domain", .string(domain))) }
        members.append(JSON.Member("path", .string(path.isEmpty ? "/" : path)))
        if let sameSite { members.append(JSON.Member("sameSite", .string(sameSite))) }
        return .object(members)
    }

    /// The `expires` to write for a session sent with this cookie, epoch
    /// seconds: the cookie's own expiry, or 0 (the store's default TTL,
    /// connect-dynamodb's one day) for a browser-session cookie.
    public var sessionExpiry: Int64 {
        expires.flatMap { ExpressCookie.wholeNumber($0.rounded(.up)) }.map { max($0, 1) } ?? 0
    }

    /// `value` as Int64 when it is finite and in range, without trapping.
    static func wholeNumber(_ value: Double) -> Int64? {
        guard value.isFinite, value > -9.2e18, value < 9.2e18 else { return nil }
        return Int64(value.rounded(.towardZero))
    }

    /// JavaScript's Date#toJSON, "2030-01-01T00:00:00.000Z", for epoch
    /// seconds; nil outside the years 0-9999 it can print.
    static func javaScriptDate(_ seconds: Double) -> String? {
        guard seconds.isFinite, seconds > -62_167_219_200, seconds < 253_402_300_800 else { return nil }
        let whole = seconds.rounded(.down)
        let millis = min(999, Int((seconds - whole) * 1000))
        let compact = Array(SigV4.amzDate(Int64(whole)).utf8)  // YYYYMMDDTHHMMSSZ
        guard compact.count == 16 else { return nil }
        func part(_ range: Range<Int>) -> String { String(decoding: compact[range], as: UTF8.self) }
        let fraction = String(millis + 1000).dropFirst()
        return "\(part(0..<4))-\(part(4..<6))-\(part(6..<8))T\(part(9..<11)):\(part(11..<13)):\(part(13..<15)).\(fraction)Z"
    }
}

extension ExpressCookie {
    /// A cookie sent now (the wall clock) that lives `maxAgeSeconds` (nil
    /// or not finite: until the browser closes): what the C API's
    /// cdyn_express_cookie gives the bindings' framework integrations.
    public static func sentNow(maxAgeSeconds: Double?, path: String = "/", httpOnly: Bool = true,
                               secure: Bool = false, sameSite: String? = nil, domain: String? = nil) -> ExpressCookie {
        ExpressCookie(maxAgeSeconds: maxAgeSeconds, now: Clock.epochSeconds(), path: path, httpOnly: httpOnly,
                      secure: secure, sameSite: sameSite, domain: domain)
    }
}
