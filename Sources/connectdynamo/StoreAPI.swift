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

@c @implementation
public func cdyn_store_info(_ out: UnsafeMutablePointer<cdyn_info>?, _ store: OpaquePointer?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    guard out.pointee.version >= 1, out.pointee.version <= UInt32(CDYN_INFO_VERSION) else {
        return fail(.invalidArgument, "set out->version to CDYN_INFO_VERSION")
    }
    guard let s = storeOf(store) else { return fail(.invalidArgument, "store is NULL") }
    let info = s.info
    var c = cdyn_info()
    c.version = out.pointee.version
    c.table = mallocCopy(info.table.utf8)
    c.hash_key = mallocCopy(info.hashKey.utf8)
    c.prefix = mallocCopy(info.prefix.utf8)
    c.region = mallocCopy(info.region.utf8)
    c.endpoint = mallocCopy(info.endpoint.utf8)
    guard c.table != nil, c.hash_key != nil, c.prefix != nil, c.region != nil, c.endpoint != nil else {
        cdyn_info_dispose(&c)
        return fail(.outOfMemory, "no memory for the store's settings")
    }
    c.default_ttl_seconds = info.defaultTTLSeconds
    c.consistent_reads = info.consistentReads ? 1 : 0
    c.create_table = info.createTable ? 1 : 0
    c.billing_mode = info.billingMode.rawValue
    c.read_capacity_units = info.readCapacityUnits
    c.write_capacity_units = info.writeCapacityUnits
    c.connect_timeout_ms = info.connectTimeoutMillis
    c.request_timeout_ms = info.requestTimeoutMillis
    c.max_attempts = info.maxAttempts
    c.special_key_count = info.specialKeyCount
    c.explicit_credentials = info.explicitCredentials ? 1 : 0
    c.max_connections = info.maxConnections
    c.hash_ids = info.hashIds ? 1 : 0
    c.encryption_key_count = info.encryptionKeyCount
    if c.version >= 3 {
        var missing = false
        if let field = info.userField {
            c.user_field = mallocCopy(field.utf8)
            c.user_index_name = mallocCopy((info.userIndexName ?? "").utf8)
            missing = missing || c.user_field == nil || c.user_index_name == nil
        }
        if let id = info.encryptionKeyId {
            c.encryption_key_id = mallocCopy(id.utf8)
            missing = missing || c.encryption_key_id == nil
        }
        guard !missing else {
            cdyn_info_dispose(&c)
            return fail(.outOfMemory, "no memory for the store's settings")
        }
    }
    // A caller of an older version has a shorter struct: nothing past it
    // is written.
    let size = c.version >= 3 ? MemoryLayout<cdyn_info>.size
        : c.version == 2 ? infoVersion2Size : infoVersion1Size
    withUnsafeBytes(of: &c) { bytes in
        if let base = bytes.baseAddress { UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: size) }
    }
    return CDYN_OK.rawValue
}

/// How much of cdyn_info a version-1 caller has: everything before the
/// first field version 2 appended.
private let infoVersion1Size = MemoryLayout<cdyn_info>.offset(of: \.max_connections) ?? MemoryLayout<cdyn_info>.size

/// How much of cdyn_info a version-2 caller has.
private let infoVersion2Size = MemoryLayout<cdyn_info>.offset(of: \.hash_ids) ?? MemoryLayout<cdyn_info>.size
