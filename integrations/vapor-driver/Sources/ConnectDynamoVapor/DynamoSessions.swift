import ConnectDynamo
import Vapor

/// A Vapor `SessionDriver` that keeps sessions in a connect-dynamo table, in
/// the express-session shape that the Node, Python and C users of the same
/// table read and write.
///
/// - A new session gets a random id and is written only if no live session
///   has that id.
/// - Every write carries express-session's `cookie` object and expires when
///   the session cookie does (`SessionsConfiguration.cookieFactory`: its
///   max-age, else its expires date, else the store's default TTL).
/// - An update is written only while the session is still live: a session
///   deleted (logout) or expired meanwhile is not brought back by a request
///   that loaded it before.
/// - Session values are strings in Vapor; a member another language stored
///   as a number, object, ... reads as its JSON text and is written back
///   unchanged unless the Vapor app changes it.
///
/// Configure with `app.sessions.use(.dynamo(store))`.
public struct DynamoSessions: SessionDriver {
    public let store: SessionStore
    public let configuration: SessionsConfiguration
    /// Epoch seconds now; a parameter so tests can pin the cookie's dates.
    let now: @Sendable () -> Double

    /// - Parameters:
    ///   - store: the store the sessions live in; the caller closes it.
    ///   - configuration: the sessions configuration whose cookie decides
    ///     each session's expiry (use `app.sessions.configuration`).
    public init(store: SessionStore, configuration: SessionsConfiguration = .default(),
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.configuration = configuration
        self.now = now
    }

    public func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            let id = SessionID(string: [UInt8].random(count: 32).base64String())
            let (json, expires) = document(data, id: id, loaded: nil)
            try await store.set(id.string, data: json, expires: expires, condition: .noLiveSession)
            return id
        }
    }

    public func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        request.eventLoop.makeFutureWithTask { () async throws -> SessionData? in
            let stored: StoredSession
            do throws(StoreError) {
                stored = try await store.get(sessionID.string)
            } catch {
                guard error.code == .notFound else { throw error }
                return nil
            }
            // What is not an express session is no session, as for the
            // other languages: the app starts a new one.
            guard let session = try? ExpressSession(json: stored.data) else { return nil }
            request.storage[LoadedSessionKey.self] = LoadedSession(id: sessionID.string, session: session)
            return SessionValues.sessionData(from: session)
        }
    }

    public func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            let loaded = request.storage[LoadedSessionKey.self].flatMap { $0.id == sessionID.string ? $0.session : nil }
            let (json, expires) = document(data, id: sessionID, loaded: loaded)
            do throws(StoreError) {
                try await store.set(sessionID.string, data: json, expires: expires, condition: .liveSession)
            } catch {
                guard error.code == .notFound else { throw error }
                request.logger.debug("session ended while the request ran; not written back")
            }
            return sessionID
        }
    }

    public func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        request.eventLoop.makeFutureWithTask {
            try await store.destroy(sessionID.string)
        }
    }

    /// The session as stored and its expiry, from the cookie Vapor sends
    /// with it.
    func document(_ data: SessionData, id: SessionID, loaded: ExpressSession?) -> ([UInt8], Int64) {
        let cookie = DynamoSessions.expressCookie(configuration.cookieFactory(id), now: now())
        let session = ExpressSession(members: SessionValues.members(of: data, loaded: loaded), cookie: cookie.json)
        return (session.json, cookie.sessionExpiry)
    }

    /// express-session's view of a Vapor session cookie.
    static func expressCookie(_ value: HTTPCookies.Value, now: Double) -> ExpressCookie {
        let lifetime = value.maxAge.map { Double($0) } ?? value.expires.map { $0.timeIntervalSince1970 - now }
        return ExpressCookie(maxAgeSeconds: lifetime, now: now, path: value.path ?? "/",
                             httpOnly: value.isHTTPOnly, secure: value.isSecure,
                             sameSite: value.sameSite?.rawValue, domain: value.domain)
    }
}

/// The session a request read, kept so that its update can write back the
/// members Vapor holds only as text exactly as they were.
struct LoadedSession: Sendable {
    let id: String
    let session: ExpressSession
}

enum LoadedSessionKey: StorageKey {
    typealias Value = LoadedSession
}
