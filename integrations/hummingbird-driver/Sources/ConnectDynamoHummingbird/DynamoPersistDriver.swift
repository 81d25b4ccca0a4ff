import ConnectDynamo
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Hummingbird `PersistDriver` over a connect-dynamo table: what
/// HummingbirdAuth's `SessionMiddleware` (or any persist user) keeps is
/// stored as a session in the express-session shape, under the key as its
/// session id, so the Node, Python and C users of the table read it.
///
/// Expiry, as `MemoryPersistDriver` has it:
/// - `create` and `set` with a duration: expires that long from now;
/// - `set` without one keeps the live value's expiry (and a value removed
///   between that read and the write stays removed);
/// - `create` or `set` of a new key without one: the store's default TTL
///   (DynamoDB items here always expire; connect-dynamodb's one day);
/// - an expired value reads as nil; `getWithTTL` gives the time left.
///
/// A value that encodes to a JSON object is stored as the session's
/// members (`cookie` is reserved for express-session's cookie); any other
/// value (a string, a number, ...) under the member `value`.
public struct DynamoPersistDriver: PersistDriver {
    public let store: SessionStore
    /// Epoch seconds now; a parameter so tests can pin the cookie's dates.
    let now: @Sendable () -> Double

    /// - Parameter store: where values live; the caller closes it.
    public init(store: SessionStore, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.now = now
    }

    public func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let cookie = ExpressCookie(maxAgeSeconds: expires.map(PersistValue.seconds), now: now())
        let data = try PersistValue.session(value, cookie: cookie)
        do throws(StoreError) {
            try await store.set(key, data: data, expires: cookie.sessionExpiry, condition: .noLiveSession)
        } catch {
            guard error.code == .conditionFailed else { throw error }
            throw PersistError.duplicate
        }
    }

    public func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let at = now()
        if let expires {
            let cookie = ExpressCookie(maxAgeSeconds: PersistValue.seconds(expires), now: at)
            return try await store.set(key, data: try PersistValue.session(value, cookie: cookie),
                                       expires: cookie.sessionExpiry)
        }
        guard let live = try await liveSession(key), live.expires > 0 else {
            let cookie = ExpressCookie(maxAgeSeconds: nil, now: at)
            return try await store.set(key, data: try PersistValue.session(value, cookie: cookie), expires: 0)
        }
        let cookie = ExpressCookie(maxAgeSeconds: Double(live.expires) - at, now: at)
        let data = try PersistValue.session(value, cookie: cookie)
        do throws(StoreError) {
            try await store.set(key, data: data, expires: live.expires, condition: .liveSession)
        } catch {
            // Removed since it was read: an update does not bring it back.
            guard error.code == .notFound else { throw error }
        }
    }

    public func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        guard let live = try await liveSession(key) else { return nil }
        return try PersistValue.decode(type, from: live.data)
    }

    public func getWithTTL<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        guard let live = try await liveSession(key) else { return nil }
        let object = try PersistValue.decode(type, from: live.data)
        guard live.expires > 0 else { return (object, nil) }
        let millis = (Double(live.expires) - now()) * 1000
        return (object, .milliseconds(Int64(min(max(0, millis), 9e18))))
    }

    public func remove(key: String) async throws {
        try await store.destroy(key)
    }

    /// The live session under `key`, nil when there is none.
    private func liveSession(_ key: String) async throws(StoreError) -> StoredSession? {
        do throws(StoreError) {
            return try await store.get(key)
        } catch {
            guard error.code == .notFound else { throw error }
            return nil
        }
    }
}
