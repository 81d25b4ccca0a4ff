import CConnectDynamo
import ConnectDynamo

// Each call: check the arguments, start the Swift call, and either wait
// for it (blocking) or hand its result to the C callback (async).

/// The session bytes argument, checked for NULL.
func sessionData(_ data: UnsafePointer<CChar>?, _ size: Int) throws(StoreError) -> UnsafeBufferPointer<UInt8> {
    guard let data else { throw StoreError(.invalidArgument, "session data is NULL") }
    return UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size)
}

func writeCondition(_ flags: UInt32) throws(StoreError) -> SessionStore.WriteCondition {
    switch flags {
    case CDYN_SET_DEFAULT: return .none
    case CDYN_SET_CREATE_ONLY: return .noLiveSession
    case CDYN_SET_UPDATE_ONLY: return .liveSession
    default: throw StoreError(.invalidArgument, "set flags must be one of CDYN_SET_DEFAULT, CDYN_SET_CREATE_ONLY, CDYN_SET_UPDATE_ONLY (got \(flags))")
    }
}

@c @implementation
public func cdyn_get(_ out: UnsafeMutablePointer<cdyn_buf>?, _ out_expires: UnsafeMutablePointer<Int64>?,
                     _ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_buf(ptr: nil, size: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<StoredSession>) throws(StoreError) in
        try s.get(try sessionID(sid), done)
    }, onSuccess: { session in
        out.pointee = makeBuf(session.data)
        out_expires?.pointee = session.expires
    })
}

@c @implementation
public func cdyn_get_versioned(_ out: UnsafeMutablePointer<cdyn_buf>?, _ out_expires: UnsafeMutablePointer<Int64>?,
                               _ out_version: UnsafeMutablePointer<Int64>?,
                               _ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_buf(ptr: nil, size: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<StoredSession>) throws(StoreError) in
        try s.get(try sessionID(sid), done)
    }, onSuccess: { session in
        out.pointee = makeBuf(session.data)
        out_expires?.pointee = session.expires
        out_version?.pointee = session.version
    })
}

/// The base of a save: nil (a new session) when `base` is NULL.
func saveBase(_ base: UnsafePointer<CChar>?, _ size: Int, _ version: Int64) -> SessionStore.SaveBase? {
    guard let base else { return nil }
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(base).assumingMemoryBound(to: UInt8.self), count: size)
    return SessionStore.SaveBase(version: version, data: Array(bytes))
}

@c @implementation
public func cdyn_save(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?, _ data: UnsafePointer<CChar>?,
                      _ size: Int, _ expires: Int64, _ base: UnsafePointer<CChar>?, _ base_size: Int,
                      _ base_version: Int64) -> Int32 {
    blocking(store) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.save(try sessionID(sid), data: try sessionData(data, size), expires: expires,
                   base: saveBase(base, base_size, base_version), done)
    }
}

@c @implementation
public func cdyn_get_item(_ out: UnsafeMutablePointer<cdyn_buf>?, _ store: OpaquePointer?,
                          _ sid: UnsafePointer<CChar>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_buf(ptr: nil, size: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<[UInt8]>) throws(StoreError) in
        try s.item(try sessionID(sid), done)
    }, onSuccess: { out.pointee = makeBuf($0) })
}

@c @implementation
public func cdyn_set(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?, _ data: UnsafePointer<CChar>?,
                     _ size: Int, _ expires: Int64, _ flags: UInt32) -> Int32 {
    blocking(store) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.set(try sessionID(sid), data: try sessionData(data, size), expires: expires,
                  condition: try writeCondition(flags), done)
    }
}

@c @implementation
public func cdyn_touch(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?, _ expires: Int64) -> Int32 {
    blocking(store) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.touch(try sessionID(sid), expires: expires, done)
    }
}

@c @implementation
public func cdyn_touch_lazy(_ out_moved: UnsafeMutablePointer<Int32>?, _ store: OpaquePointer?,
                            _ sid: UnsafePointer<CChar>?, _ expires: Int64, _ read_expires: Int64) -> Int32 {
    out_moved?.pointee = 0
    return blocking(store, { (s, done: @escaping SessionStore.Completion<SessionStore.TouchOutcome>) throws(StoreError) in
        try s.touch(try sessionID(sid), expires: expires, readExpires: read_expires, done)
    }, onSuccess: { out_moved?.pointee = $0 == .moved ? 1 : 0 })
}

@c @implementation
public func cdyn_destroy(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?) -> Int32 {
    blocking(store) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.destroy(try sessionID(sid), done)
    }
}

@c @implementation
public func cdyn_length(_ out: UnsafeMutablePointer<UInt64>?, _ store: OpaquePointer?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = 0
    return blocking(store, { (s, done: @escaping SessionStore.Completion<UInt64>) throws(StoreError) in
        try s.length(done)
    }, onSuccess: { out.pointee = $0 })
}

@c @implementation
public func cdyn_ids(_ out: UnsafeMutablePointer<cdyn_session_list>?, _ store: OpaquePointer?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_session_list(sessions: nil, count: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<[StoredSession]>) throws(StoreError) in
        try s.list(withData: false, done)
    }, onSuccess: { out.pointee = makeList($0, withData: false) })
}

@c @implementation
public func cdyn_all(_ out: UnsafeMutablePointer<cdyn_session_list>?, _ store: OpaquePointer?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_session_list(sessions: nil, count: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<[StoredSession]>) throws(StoreError) in
        try s.list(withData: true, done)
    }, onSuccess: { out.pointee = makeList($0, withData: true) })
}

@c @implementation
public func cdyn_clear(_ out: UnsafeMutablePointer<UInt64>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = 0
    return blocking(store, { (s, done: @escaping SessionStore.Completion<UInt64>) throws(StoreError) in
        try s.clear(done)
    }, onSuccess: { out?.pointee = $0 })
}

@c @implementation
public func cdyn_reap(_ out: UnsafeMutablePointer<UInt64>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = 0
    return blocking(store, { (s, done: @escaping SessionStore.Completion<UInt64>) throws(StoreError) in
        try s.reap(done)
    }, onSuccess: { out?.pointee = $0 })
}

// MARK: - Asynchronous

@c @implementation
public func cdyn_get_async(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?,
                           _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<StoredSession>) throws(StoreError) in
        try s.get(try sessionID(sid), done)
    }, fill: { result, session in
        result.data = makeBuf(session.data)
        result.expires = session.expires
        result.version = session.version
    })
}

@c @implementation
public func cdyn_get_versioned_async(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?,
                                     _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    cdyn_get_async(store, sid, callback, userdata)
}

@c @implementation
public func cdyn_save_async(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?, _ data: UnsafePointer<CChar>?,
                            _ size: Int, _ expires: Int64, _ base: UnsafePointer<CChar>?, _ base_size: Int,
                            _ base_version: Int64,
                            _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.save(try sessionID(sid), data: try sessionData(data, size), expires: expires,
                   base: saveBase(base, base_size, base_version), done)
    }
}

@c @implementation
public func cdyn_set_async(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?, _ data: UnsafePointer<CChar>?,
                           _ size: Int, _ expires: Int64, _ flags: UInt32,
                           _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.set(try sessionID(sid), data: try sessionData(data, size), expires: expires,
                  condition: try writeCondition(flags), done)
    }
}

@c @implementation
public func cdyn_touch_async(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?, _ expires: Int64,
                             _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.touch(try sessionID(sid), expires: expires, done)
    }
}

@c @implementation
public func cdyn_touch_lazy_async(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?, _ expires: Int64,
                                  _ read_expires: Int64,
                                  _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<SessionStore.TouchOutcome>) throws(StoreError) in
        try s.touch(try sessionID(sid), expires: expires, readExpires: read_expires, done)
    }, fill: { result, outcome in result.count = outcome == .moved ? 1 : 0 })
}

@c @implementation
public func cdyn_destroy_async(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?,
                               _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.destroy(try sessionID(sid), done)
    }
}

@c @implementation
public func cdyn_length_async(_ store: OpaquePointer?, _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<UInt64>) throws(StoreError) in
        try s.length(done)
    }, fill: { result, count in result.count = count })
}

@c @implementation
public func cdyn_ids_async(_ store: OpaquePointer?, _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<[StoredSession]>) throws(StoreError) in
        try s.list(withData: false, done)
    }, fill: { result, sessions in
        result.list = makeList(sessions, withData: false)
        result.count = UInt64(sessions.count)
    })
}

@c @implementation
public func cdyn_all_async(_ store: OpaquePointer?, _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<[StoredSession]>) throws(StoreError) in
        try s.list(withData: true, done)
    }, fill: { result, sessions in
        result.list = makeList(sessions, withData: true)
        result.count = UInt64(sessions.count)
    })
}

@c @implementation
public func cdyn_clear_async(_ store: OpaquePointer?, _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<UInt64>) throws(StoreError) in
        try s.clear(done)
    }, fill: { result, count in result.count = count })
}

@c @implementation
public func cdyn_reap_async(_ store: OpaquePointer?, _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<UInt64>) throws(StoreError) in
        try s.reap(done)
    }, fill: { result, count in result.count = count })
}

@c @implementation
public func cdyn_get_item_async(_ store: OpaquePointer?, _ sid: UnsafePointer<CChar>?,
                                _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<[UInt8]>) throws(StoreError) in
        try s.item(try sessionID(sid), done)
    }, fill: { result, item in result.data = makeBuf(item) })
}
