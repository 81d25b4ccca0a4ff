import CConnectDynamo
import ConnectDynamo

// The operating calls: list by state, describe, enable TTL.

func listing(_ which: UInt32) throws(StoreError) -> SessionStore.Listing {
    switch which {
    case CDYN_LIST_LIVE: return .live
    case CDYN_LIST_EXPIRED: return .expired
    default: throw StoreError(.invalidArgument, "which must be CDYN_LIST_LIVE or CDYN_LIST_EXPIRED (got \(which))")
    }
}

@c @implementation
public func cdyn_list(_ out: UnsafeMutablePointer<cdyn_session_list>?, _ store: OpaquePointer?, _ which: UInt32) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_session_list(sessions: nil, count: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<[StoredSession]>) throws(StoreError) in
        try s.sessions(try listing(which), done)
    }, onSuccess: { out.pointee = makeList($0, withData: false) })
}

@c @implementation
public func cdyn_describe(_ out: UnsafeMutablePointer<cdyn_buf>?, _ store: OpaquePointer?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_buf(ptr: nil, size: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<[UInt8]>) throws(StoreError) in
        try s.describe(done)
    }, onSuccess: { out.pointee = makeBuf($0) })
}

@c @implementation
public func cdyn_enable_ttl(_ store: OpaquePointer?) -> Int32 {
    blocking(store) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.enableTTL(done)
    }
}

@c @implementation
public func cdyn_list_async(_ store: OpaquePointer?, _ which: UInt32, _ callback: cdyn_callback?,
                            _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<[StoredSession]>) throws(StoreError) in
        try s.sessions(try listing(which), done)
    }, fill: { result, sessions in
        result.list = makeList(sessions, withData: false)
        result.count = UInt64(sessions.count)
    })
}

@c @implementation
public func cdyn_describe_async(_ store: OpaquePointer?, _ callback: cdyn_callback?,
                                _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<[UInt8]>) throws(StoreError) in
        try s.describe(done)
    }, fill: { result, json in result.data = makeBuf(json) })
}

@c @implementation
public func cdyn_enable_ttl_async(_ store: OpaquePointer?, _ callback: cdyn_callback?,
                                  _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.enableTTL(done)
    }
}
