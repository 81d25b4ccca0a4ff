import CConnectDynamo
import ConnectDynamo

// The user index: a user's sessions, and log out everywhere.

/// The user id argument, checked for NULL and UTF-8 (the core checks the rest).
func userID(_ user: UnsafePointer<CChar>?) throws(StoreError) -> String {
    guard let user else { throw StoreError(.invalidArgument, "user is NULL") }
    guard let id = String(validatingCString: user) else {
        throw StoreError(.invalidArgument, "user is not valid UTF-8")
    }
    return id
}

@c @implementation
public func cdyn_user_sessions(_ out: UnsafeMutablePointer<cdyn_session_list>?, _ store: OpaquePointer?,
                               _ user: UnsafePointer<CChar>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_session_list(sessions: nil, count: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<[StoredSession]>) throws(StoreError) in
        try s.userSessions(try userID(user), done)
    }, onSuccess: { out.pointee = makeList($0, withData: false) })
}

@c @implementation
public func cdyn_destroy_user_sessions(_ out: UnsafeMutablePointer<UInt64>?, _ store: OpaquePointer?,
                                       _ user: UnsafePointer<CChar>?) -> Int32 {
    out?.pointee = 0
    return blocking(store, { (s, done: @escaping SessionStore.Completion<UInt64>) throws(StoreError) in
        try s.destroyUserSessions(try userID(user), done)
    }, onSuccess: { out?.pointee = $0 })
}

@c @implementation
public func cdyn_user_sessions_async(_ store: OpaquePointer?, _ user: UnsafePointer<CChar>?,
                                     _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<[StoredSession]>) throws(StoreError) in
        try s.userSessions(try userID(user), done)
    }, fill: { result, sessions in
        result.list = makeList(sessions, withData: false)
        result.count = UInt64(sessions.count)
    })
}

@c @implementation
public func cdyn_destroy_user_sessions_async(_ store: OpaquePointer?, _ user: UnsafePointer<CChar>?,
                                             _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<UInt64>) throws(StoreError) in
        try s.destroyUserSessions(try userID(user), done)
    }, fill: { result, count in result.count = count })
}
