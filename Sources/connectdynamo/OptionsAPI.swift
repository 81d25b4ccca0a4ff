import CConnectDynamo
import ConnectDynamo
import Glibc

@c @implementation
public func cdyn_store_options_init(_ opts: UnsafeMutablePointer<cdyn_store_options>?, _ version: UInt32) -> Int32 {
    guard let opts else { return fail(.invalidArgument, "options pointer is NULL") }
    guard version >= 1, version <= UInt32(CDYN_STORE_OPTIONS_VERSION) else {
        return fail(.invalidArgument, "unknown options version \(version) (this library knows 1-\(CDYN_STORE_OPTIONS_VERSION))")
    }
    // Zero every byte (padding too), so callers may memcmp two option sets.
    memset(opts, 0, MemoryLayout<cdyn_store_options>.size)
    opts.pointee.version = version
    opts.pointee.consistent_reads = 1
    opts.pointee.default_ttl_seconds = 86400
    opts.pointee.create_table = 1
    opts.pointee.billing_mode = Int32(CDYN_BILLING_PROVISIONED.rawValue)
    opts.pointee.read_capacity_units = 5
    opts.pointee.write_capacity_units = 5
    opts.pointee.connect_timeout_ms = 3000
    opts.pointee.request_timeout_ms = 10000
    opts.pointee.max_attempts = 4
    opts.pointee.log_level = Int32(CDYN_LOG_WARN.rawValue)
    return CDYN_OK.rawValue
}

/// The Swift options for a C options struct (NULL: all defaults).
func storeOptions(_ pointer: UnsafePointer<cdyn_store_options>?) throws(StoreError) -> StoreOptions {
    var options = StoreOptions()
    guard let pointer else { return options }
    let c = pointer.pointee
    guard c.version >= 1, c.version <= UInt32(CDYN_STORE_OPTIONS_VERSION) else {
        throw StoreError(.invalidArgument, "unknown options version \(c.version); call cdyn_store_options_init first")
    }
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
    options.profile = try string(c.profile, "profile")
    options.caBundle = try string(c.ca_bundle, "ca_bundle")

    let key = try string(c.access_key_id, "access_key_id")
    let secret = try string(c.secret_access_key, "secret_access_key")
    let token = try string(c.session_token, "session_token")
    if key != nil || secret != nil {
        guard let key, let secret, !key.isEmpty, !secret.isEmpty else {
            throw StoreError(.invalidArgument, "explicit credentials need both access_key_id and secret_access_key")
        }
        options.credentials = Credentials(accessKeyId: key, secretAccessKey: secret,
                                          sessionToken: token.flatMap { $0.isEmpty ? nil : $0 })
    } else if token != nil {
        throw StoreError(.invalidArgument, "session_token given without access_key_id and secret_access_key")
    }

    options.consistentReads = c.consistent_reads != 0
    options.createTable = c.create_table != 0
    if c.default_ttl_seconds != 0 { options.defaultTTLSeconds = c.default_ttl_seconds }
    switch c.billing_mode {
    case Int32(CDYN_BILLING_ON_DEMAND.rawValue):
        options.billing = .onDemand
    case Int32(CDYN_BILLING_PROVISIONED.rawValue):
        options.billing = .provisioned(readCapacityUnits: c.read_capacity_units == 0 ? 5 : c.read_capacity_units,
                                       writeCapacityUnits: c.write_capacity_units == 0 ? 5 : c.write_capacity_units)
    default:
        throw StoreError(.invalidArgument, "unknown billing_mode \(c.billing_mode)")
    }
    if c.connect_timeout_ms != 0 { options.connectTimeoutMillis = Int(clamping: c.connect_timeout_ms) }
    if c.request_timeout_ms != 0 { options.requestTimeoutMillis = Int(clamping: c.request_timeout_ms) }
    if c.max_attempts != 0 { options.maxAttempts = Int(c.max_attempts) }

    if c.special_key_count > 0 {
        guard let keys = c.special_keys else {
            throw StoreError(.invalidArgument, "special_key_count is \(c.special_key_count) but special_keys is NULL")
        }
        guard c.special_key_count <= 64 else { throw StoreError(.invalidArgument, "more than 64 special keys") }
        for i in 0..<c.special_key_count {
            guard let name = try string(keys[i].name, "special_keys[\(i)].name"),
                  let typeName = try string(keys[i].type, "special_keys[\(i)].type"),
                  let type = SpecialKey.AttributeType(rawValue: typeName)
            else {
                throw StoreError(.invalidArgument, "special_keys[\(i)] needs a name and a type of \"S\", \"N\" or \"BOOL\"")
            }
            options.specialKeys.append(SpecialKey(name: name, type: type))
        }
    }
    options.skipMissingSpecialKeys = c.skip_missing_special_keys != 0

    if c.version >= 2 {
        options.lastWriterWins = c.last_writer_wins != 0
        switch c.touch_after_seconds {
        case 0: break
        case Int64(CDYN_TOUCH_ALWAYS): options.touchAfter = .always
        case let seconds where seconds > 0: options.touchAfter = .seconds(seconds)
        default:
            throw StoreError(.invalidArgument, "touch_after_seconds must be positive, 0 (a tenth of the lifetime) or CDYN_TOUCH_ALWAYS (got \(c.touch_after_seconds))")
        }
        if c.max_age_seconds != 0 { options.maxAgeSeconds = c.max_age_seconds }
        if c.compress_threshold_bytes != 0 {
            guard c.compress_threshold_bytes > 0, c.compress_threshold_bytes <= Int64(Int32.max) else {
                throw StoreError(.invalidArgument, "compress_threshold_bytes must be 1-\(Int32.max) (0: never compress)")
            }
            options.compressThresholdBytes = Int(c.compress_threshold_bytes)
        }
    }

    if let log = c.log {
        let target = UnsafeSendable(value: (log, c.log_userdata))
        options.logger = Logger(level: LogLevel(rawValue: c.log_level) ?? .warn) { level, message in
            let (log, userdata) = target.value
            message.withCString { log(level.rawValue, $0, userdata) }
        }
    }
    return options
}
