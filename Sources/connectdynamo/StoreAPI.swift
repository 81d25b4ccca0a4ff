import CConnectDynamo
import ConnectDynamo

@c @implementation
public func cdyn_store_open(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ opts: UnsafePointer<cdyn_store_options>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = nil
    return status { () throws(StoreError) in
        let store = try SessionStore(options: try storeOptions(opts))
        out.pointee = OpaquePointer(Unmanaged.passRetained(store).toOpaque())
    }
}

@c @implementation
public func cdyn_store_free(_ store: OpaquePointer?) {
    guard let store else { return }
    let owned = Unmanaged<SessionStore>.fromOpaque(UnsafeRawPointer(store)).takeRetainedValue()
    owned.close()
}

@c @implementation
public func cdyn_store_ensure_table(_ store: OpaquePointer?) -> Int32 {
    blocking(store) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.ensureTable(done)
    }
}

@c @implementation
public func cdyn_ensure_table_async(_ store: OpaquePointer?, _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata) { (s, done: @escaping SessionStore.Completion<Void>) throws(StoreError) in
        try s.ensureTable(done)
    }
}

@c @implementation
public func cdyn_store_stats(_ out: UnsafeMutablePointer<cdyn_stats>?, _ store: OpaquePointer?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    guard out.pointee.version >= 1, out.pointee.version <= UInt32(CDYN_STATS_VERSION) else {
        return fail(.invalidArgument, "set out->version to CDYN_STATS_VERSION")
    }
    guard let s = storeOf(store) else { return fail(.invalidArgument, "store is NULL") }
    let snapshot = s.stats.snapshot()
    out.pointee.operations = snapshot.operations
    out.pointee.requests = snapshot.requests
    out.pointee.attempts = snapshot.attempts
    out.pointee.retries = snapshot.retries
    out.pointee.throttles = snapshot.throttles
    out.pointee.timeouts = snapshot.timeouts
    withUnsafeMutableBytes(of: &out.pointee.errors) { raw in
        let slots = raw.bindMemory(to: UInt64.self)
        for i in 0..<min(slots.count, snapshot.errors.count) { slots[i] = snapshot.errors[i] }
    }
    return CDYN_OK.rawValue
}
