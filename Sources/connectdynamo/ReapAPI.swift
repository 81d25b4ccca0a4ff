import CConnectDynamo
import ConnectDynamo
import Glibc

// The budgeted reaper: options in, progress out.

@c @implementation
public func cdyn_reap_options_init(_ opts: UnsafeMutablePointer<cdyn_reap_options>?, _ version: UInt32) -> Int32 {
    guard let opts else { return fail(.invalidArgument, "options pointer is NULL") }
    guard version >= 1, version <= UInt32(CDYN_REAP_OPTIONS_VERSION) else {
        return fail(.invalidArgument, "unknown reap options version \(version) (this library knows 1-\(CDYN_REAP_OPTIONS_VERSION))")
    }
    memset(opts, 0, MemoryLayout<cdyn_reap_options>.size)
    let defaults = ReapOptions()
    opts.pointee.version = version
    opts.pointee.target = Int32(CDYN_REAP_EXPIRED.rawValue)
    opts.pointee.dry_run = defaults.dryRun ? 1 : 0
    opts.pointee.segments = Int32(clamping: defaults.segments)
    opts.pointee.read_units_per_second = defaults.readUnitsPerSecond
    opts.pointee.write_units_per_second = defaults.writeUnitsPerSecond
    opts.pointee.page_size = Int32(clamping: defaults.pageSize)
    return CDYN_OK.rawValue
}

func progressOut(_ p: ReapProgress) -> cdyn_reap_progress {
    cdyn_reap_progress(scanned: p.scanned, matched: p.matched, deleted: p.deleted,
                       read_units: p.readUnits, write_units: p.writeUnits, retries: p.retries,
                       pages: p.pages, table_items: p.tableItems, elapsed_seconds: p.elapsedSeconds,
                       cancelled: p.cancelled ? 1 : 0, finished: p.finished ? 1 : 0)
}

/// The Swift options for a C reap options struct (NULL: the defaults);
/// `last` receives every report, so the caller has the counts even when
/// the reap fails.
func reapOptions(_ pointer: UnsafePointer<cdyn_reap_options>?,
                 last: (@Sendable (ReapProgress) -> Void)? = nil) throws(StoreError) -> ReapOptions {
    var options = ReapOptions()
    var callback: UnsafeSendable<(cdyn_reap_progress_fn, UnsafeMutableRawPointer?)>?
    if let pointer {
        let c = pointer.pointee
        guard c.version >= 1, c.version <= UInt32(CDYN_REAP_OPTIONS_VERSION) else {
            throw StoreError(.invalidArgument, "unknown reap options version \(c.version); call cdyn_reap_options_init first")
        }
        switch c.target {
        case Int32(CDYN_REAP_EXPIRED.rawValue): options.target = .expired
        case Int32(CDYN_REAP_ALL.rawValue): options.target = .all
        default: throw StoreError(.invalidArgument, "unknown reap target \(c.target)")
        }
        options.dryRun = c.dry_run != 0
        options.segments = Int(c.segments)
        options.readUnitsPerSecond = c.read_units_per_second
        options.writeUnitsPerSecond = c.write_units_per_second
        options.pageSize = Int(c.page_size)
        if let fn = c.progress { callback = UnsafeSendable(value: (fn, c.progress_userdata)) }
    }
    if callback != nil || last != nil {
        let target = callback
        options.progress = { progress in
            last?(progress)
            guard let (fn, userdata) = target?.value else { return true }
            var report = progressOut(progress)
            return fn(&report, userdata) == 0
        }
    }
    return options
}

/// The last report of a reap, kept for cdyn_reap_run's out-parameter.
final class LastReport: @unchecked Sendable {
    var value = ReapProgress()
}

@c @implementation
public func cdyn_reap_run(_ out: UnsafeMutablePointer<cdyn_reap_progress>?, _ store: OpaquePointer?,
                          _ opts: UnsafePointer<cdyn_reap_options>?) -> Int32 {
    if let out { out.pointee = progressOut(ReapProgress()) }
    let last = LastReport()
    let status = blocking(store) { (s, done: @escaping SessionStore.Completion<ReapProgress>) throws(StoreError) in
        try s.reap(try reapOptions(opts, last: { last.value = $0 }), done)
    }
    // The last report is written on the loop before the result is handed
    // over, which orders it before the waiter's wake-up.
    if let out { out.pointee = progressOut(last.value) }
    return status
}

@c @implementation
public func cdyn_reap_run_async(_ store: OpaquePointer?, _ opts: UnsafePointer<cdyn_reap_options>?,
                                _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    let dryRun = (opts?.pointee.dry_run ?? 0) != 0
    return asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<ReapProgress>) throws(StoreError) in
        try s.reap(try reapOptions(opts), done)
    }, fill: { result, counts in result.count = dryRun ? counts.matched : counts.deleted })
}

// Whole-table re-encryption (the reaper's budgets and scan, see
// Reencryptor): budgets in, counts out.

private func reencryptOptions(read: Double, write: Double) -> ReencryptOptions {
    var options = ReencryptOptions()
    options.readUnitsPerSecond = read
    options.writeUnitsPerSecond = write
    return options
}

@c @implementation
public func cdyn_reencrypt(_ out: UnsafeMutablePointer<cdyn_reencrypt_counts>?, _ store: OpaquePointer?,
                           _ readUnitsPerSecond: Double, _ writeUnitsPerSecond: Double) -> Int32 {
    if let out { out.pointee = cdyn_reencrypt_counts() }
    return blocking(store) { (s, done: @escaping SessionStore.Completion<ReencryptProgress>) throws(StoreError) in
        try s.reencrypt(reencryptOptions(read: readUnitsPerSecond, write: writeUnitsPerSecond), done)
    } onSuccess: { p in
        out?.pointee = cdyn_reencrypt_counts(scanned: p.scanned, current: p.current, reencrypted: p.reencrypted,
                                             changed: p.changed, unreadable: p.unreadable, read_units: p.readUnits,
                                             write_units: p.writeUnits, elapsed_seconds: p.elapsedSeconds)
    }
}

@c @implementation
public func cdyn_reencrypt_async(_ store: OpaquePointer?, _ readUnitsPerSecond: Double, _ writeUnitsPerSecond: Double,
                                 _ callback: cdyn_callback?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<ReencryptProgress>) throws(StoreError) in
        try s.reencrypt(reencryptOptions(read: readUnitsPerSecond, write: writeUnitsPerSecond), done)
    }, fill: { result, counts in result.count = counts.reencrypted })
}
