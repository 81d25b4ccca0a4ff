/// Lazy touch: express-session touches every request that did not change
/// its session, and each touch is a write unit (more for items over 1 KB).
/// A touch that would move `expires` by less than the store's touch
/// interval writes nothing: the session then expires up to that interval
/// earlier than a touch on every request would make it, in exchange for
/// one write per interval instead of one per request.
extension SessionStore {
    /// Whether a touch is worth its write.
    public enum TouchOutcome: Sendable, Equatable {
        /// The expiry was moved.
        case moved
        /// Not worth a write: it would have gained less than the interval.
        case kept
    }

    /// The least gain, in seconds, for which a touch to `expires` writes;
    /// 0: every touch writes.
    func touchInterval(toward expires: Int64, now: Double) -> Int64 {
        switch options.touchAfter {
        case .always: return 0
        case .seconds(let seconds): return seconds
        case .fractionOfLifetime(let divisor):
            let lifetime = expires &- Int64(now.rounded(.down))
            return lifetime > 0 ? lifetime / divisor : 0
        }
    }

    /// Moves a live session's expiry, unless that would gain less than the
    /// touch interval over `readExpires` (the expiry the session had when
    /// this request read it; 0 when unknown or when it had none, and then
    /// the touch writes), or over the expiry a write of this store set
    /// since (see RecentExpiries). Never creates an item: `.notFound` when a touch
    /// that writes finds the session gone. A touch that does not write
    /// does not check.
    public func touch(_ id: String, expires: Int64, readExpires: Int64,
                      _ completion: @escaping Completion<TouchOutcome>) throws(StoreError) {
        try format.validate(id: id)
        guard readExpires >= 0 else { throw .invalid("the expiry read must not be negative") }
        let target = try expiry(expires)
        let interval = touchInterval(toward: target, now: options.clock())
        // The newest expiry known: this request's read, or a write of this
        // store since (a parallel request's save or touch, even unanswered).
        let known = max(readExpires, recentExpiries.latest(id))
        if readExpires > 0, interval > 0, target &- known < interval {
            return try submit(completion) { finish in finish(.success(.kept)) }
        }
        recentExpiries.writing(id, expires: target)
        do {
            try touch(id, expires: target) { [recentExpiries] result in
                if case .failure = result { recentExpiries.failed(id, expires: target) }
                completion(result.map { .moved })
            }
        } catch {
            recentExpiries.failed(id, expires: target)
            throw error
        }
    }
}
