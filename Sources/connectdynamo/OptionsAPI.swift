import CConnectDynamo
import ConnectDynamo
import Glibc

// cdyn_store_options both ways, field by field. The defaults and every rule
// about a value live in the core's StoreOptions: cdyn_store_options_init
// writes StoreOptions() into the struct, and storeOptions() copies the
// struct back, converting C types only (NULL string = unset; the core
// treats 0 as unset for its positive numbers).

@c @implementation
public func cdyn_store_options_init(_ opts: UnsafeMutablePointer<cdyn_store_options>?, _ version: UInt32) -> Int32 {
    guard let opts else { return fail(.invalidArgument, "options pointer is NULL") }
    guard version >= 1, version <= UInt32(CDYN_STORE_OPTIONS_VERSION) else {
        return fail(.invalidArgument, "unknown options version \(version) (this library knows 1-\(CDYN_STORE_OPTIONS_VERSION))")
    }
    let defaults = StoreOptions()
    // The struct of a version-1 caller is shorter: write none past it.
    var filled = cdyn_store_options()
    // Zero every byte (padding too), so callers may memcmp two option sets;
    // the strings stay NULL (unset: the core's defaults apply).
    memset(&filled, 0, MemoryLayout<cdyn_store_options>.size)
    filled.version = version
    defer { memcpy(opts, &filled, optionsSize(version: version)) }
    withUnsafeMutablePointer(to: &filled) { fillDefaults($0, defaults) }
    return CDYN_OK.rawValue
}

/// How many bytes of cdyn_store_options a caller of `version` has: all of
/// it, or everything before the first field the next version appended.
private func optionsSize(version: UInt32) -> Int {
    let whole = MemoryLayout<cdyn_store_options>.size
    switch version {
    case 1: return MemoryLayout<cdyn_store_options>.offset(of: \.credentials) ?? whole
    case 2: return MemoryLayout<cdyn_store_options>.offset(of: \.max_connections) ?? whole
    case 3: return MemoryLayout<cdyn_store_options>.offset(of: \.hash_ids) ?? whole
    default: return whole
    }
}

private func fillDefaults(_ opts: UnsafeMutablePointer<cdyn_store_options>, _ defaults: StoreOptions) {
    opts.pointee.consistent_reads = defaults.consistentReads ? 1 : 0
    opts.pointee.default_ttl_seconds = defaults.defaultTTLSeconds
    opts.pointee.create_table = defaults.createTable ? 1 : 0
    opts.pointee.billing_mode = defaults.billingMode.rawValue
    opts.pointee.read_capacity_units = defaults.readCapacityUnits
    opts.pointee.write_capacity_units = defaults.writeCapacityUnits
    opts.pointee.connect_timeout_ms = defaults.connectTimeoutMillis
    opts.pointee.request_timeout_ms = defaults.requestTimeoutMillis
    opts.pointee.max_attempts = defaults.maxAttempts
    opts.pointee.skip_missing_special_keys = defaults.skipMissingSpecialKeys ? 1 : 0
    opts.pointee.log_level = defaults.logger.level.rawValue
    opts.pointee.max_connections = defaults.maxConnections
}

/// The Swift options for a C options struct (NULL: all defaults).
func storeOptions(_ pointer: UnsafePointer<cdyn_store_options>?) throws(StoreError) -> StoreOptions {
    var options = StoreOptions()
    guard let pointer else { return options }
    let version = UnsafeRawPointer(pointer).load(as: UInt32.self)
    guard version >= 1, version <= UInt32(CDYN_STORE_OPTIONS_VERSION) else {
        throw StoreError(.invalidArgument, "unknown options version \(version); call cdyn_store_options_init first")
    }
    // Read only as much as a caller of that version has; later fields
    // stay zero (unset).
    var c = cdyn_store_options()
    memset(&c, 0, MemoryLayout<cdyn_store_options>.size)
    memcpy(&c, pointer, optionsSize(version: version))
    func string(_ p: UnsafePointer<CChar>?, _ name: String) throws(StoreError) -> String? {
        guard let p else { return nil }
        guard let value = String(validatingCString: p) else {
            throw StoreError(.invalidArgument, "option \(name) is not valid UTF-8")
        }
        return value
    }
    if let v = try string(c.table, "table") { options.table = v }
    if let v = try string(c.hash_key, "hash_key") { options.hashKey = v }
    if let v = try string(c.prefix, "prefix") { options.prefix = v }
    options.region = try string(c.region, "region")
    options.endpoint = try string(c.endpoint, "endpoint")
    options.accessKeyId = try string(c.access_key_id, "access_key_id")
    options.secretAccessKey = try string(c.secret_access_key, "secret_access_key")
    options.sessionToken = try string(c.session_token, "session_token")
    options.profile = try string(c.profile, "profile")
    options.consistentReads = c.consistent_reads != 0
    options.defaultTTLSeconds = c.default_ttl_seconds
    options.createTable = c.create_table != 0
    options.billingMode = try StoreOptions.billingMode(code: c.billing_mode)
    options.readCapacityUnits = c.read_capacity_units
    options.writeCapacityUnits = c.write_capacity_units
    options.connectTimeoutMillis = c.connect_timeout_ms
    options.requestTimeoutMillis = c.request_timeout_ms
    options.maxAttempts = c.max_attempts
    options.caBundle = try string(c.ca_bundle, "ca_bundle")
    if c.special_key_count > 0 {
        guard let keys = c.special_keys else {
            throw StoreError(.invalidArgument, "special_key_count is \(c.special_key_count) but special_keys is NULL")
        }
        // Read no further than the core would accept: the count is the
        // caller's word for how long the array is.
        for i in 0..<min(Int(clamping: c.special_key_count), StoreOptions.maximumSpecialKeys + 1) {
            options.specialKeys.append(try StoreOptions.specialKey(
                name: try string(keys[i].name, "special_keys[\(i)].name"),
                type: try string(keys[i].type, "special_keys[\(i)].type"), index: i))
        }
    }
    options.skipMissingSpecialKeys = c.skip_missing_special_keys != 0
    options.logger.level = try StoreOptions.logLevel(code: c.log_level)

    if c.version >= 2 {
        options.lastWriterWins = c.last_writer_wins != 0
        // 0 and CDYN_TOUCH_ALWAYS are the C API's words for "unset" and
        // .always; any other value goes to the core, which refuses bad ones.
        switch c.touch_after_seconds {
        case 0: break
        case Int64(CDYN_TOUCH_ALWAYS): options.touchAfter = .always
        default: options.touchAfter = .seconds(c.touch_after_seconds)
        }
        if c.max_age_seconds != 0 { options.maxAgeSeconds = c.max_age_seconds }
        if c.compress_threshold_bytes != 0 { options.compressThresholdBytes = Int(clamping: c.compress_threshold_bytes) }
    }
    if version >= 3 {  // before it, the struct has no max_connections: the default stands
        options.maxConnections = c.max_connections
    }
    if version >= 4 {  // security-ids: hashed ids and the user index
        options.hashIds = c.hash_ids != 0
        if c.id_hash_secret_len > 0 {
            guard let secret = c.id_hash_secret else {
                throw StoreError(.invalidArgument, "id_hash_secret_len is \(c.id_hash_secret_len) but id_hash_secret is NULL")
            }
            // Read no further than the core would accept: the length is the
            // caller's word for how long the buffer is.
            let length = min(c.id_hash_secret_len, StoreOptions.maximumIdHashSecretBytes + 1)
            options.idHashSecret = Array(UnsafeBufferPointer(start: secret, count: length))
        } else if c.id_hash_secret != nil {
            throw StoreError(.invalidArgument, "id_hash_secret is set but id_hash_secret_len is 0")
        }
        options.readPlainIds = c.read_plain_ids != 0
        options.userField = try string(c.user_field, "user_field")
        options.userIndexName = try string(c.user_index_name, "user_index_name")
    }
    if version >= 4 {  // security-crypto: the key ring, copied
        if c.encryption_key_count > 0 {
            guard let keys = c.encryption_keys else {
                throw StoreError(.invalidArgument, "encryption_key_count is \(c.encryption_key_count) but encryption_keys is NULL")
            }
            // No further than the core would accept (it refuses the rest).
            for i in 0..<min(Int(clamping: c.encryption_key_count), EncryptionKey.maximumKeys + 1) {
                let key = keys[i]
                guard let id = try string(key.id, "encryption_keys[\(i)].id") else {
                    throw StoreError(.invalidArgument, "encryption_keys[\(i)].id is NULL")
                }
                guard let bytes = key.bytes else {
                    throw StoreError(.invalidArgument, "encryption_keys[\(i)].bytes is NULL")
                }
                options.encryptionKeys.append(EncryptionKey(
                    id: id, bytes: Array(UnsafeBufferPointer(start: bytes, count: min(key.len, EncryptionKey.keyBytes + 1)))))
            }
        }
    }
    if let log = c.log {
        let target = UnsafeSendable(value: (log, c.log_userdata))
        options.logger.sink = { level, message in
            let (log, userdata) = target.value
            message.withCString { log(level.rawValue, $0, userdata) }
        }
    }
    if let ask = c.credentials {
        let target = UnsafeSendable(value: (ask, c.credentials_userdata))
        options.credentialsCallback = { request in
            let (ask, userdata) = target.value
            // The handle holds one retain, given up by the answer.
            ask(OpaquePointer(Unmanaged.passRetained(request).toOpaque()), userdata)
        }
    }
    return options
}
