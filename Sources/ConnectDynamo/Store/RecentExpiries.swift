/// The expiry this store last wrote, or is writing, per session id (by a
/// save or a lazy touch that writes), so that a lazy touch judges its gain
/// against the newest expiry this process knows, not only the one its
/// request read.
///
/// Why: parallel requests of one user (a page and its assets, several
/// tabs) all read the same expiry; when it is stale, each one's touch
/// would write, and a touch racing a save of the same burst would write
/// just after the save already moved the expiry. Remembering what is
/// written, from the moment the write starts (parallel requests decide
/// before any of their writes is answered), makes those touches the
/// no-ops they are. A write that fails is forgotten again.
///
/// Only ever a lower bound on what a touch gains: an entry is the value a
/// write of this process set; if another process wrote later, or the
/// session was destroyed, a touch skipped because of it loses at most the
/// touch interval of expiry, as any lazy touch may (and never brings a
/// session back, since a touch that does not write does not check).
///
/// Bounded: two generations of at most `capacity` ids each; when the
/// current one fills, it becomes the previous one and the oldest is
/// dropped, so memory stays under 2 x capacity entries without a clock.
final class RecentExpiries: Sendable {
    private struct Generations {
        var current: [String: Int64] = [:]
        var previous: [String: Int64] = [:]
    }

    private let capacity: Int
    private let generations = Locked(Generations())

    init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
    }

    /// Records that a write of this store sets `id`'s expiry to `expires`.
    func writing(_ id: String, expires: Int64) {
        generations.withLock { g in
            if g.current.count >= capacity, g.current[id] == nil {
                g.previous = g.current
                g.current = [:]
            }
            g.current[id] = expires
        }
    }

    /// Forgets the write of `expires` to `id`, which failed (unless a
    /// later write has been recorded since).
    func failed(_ id: String, expires: Int64) {
        generations.withLock { g in
            if g.current[id] == expires { g.current[id] = nil }
            if g.previous[id] == expires { g.previous[id] = nil }
        }
    }

    /// The expiry this store last wrote for `id`; 0 when none is known.
    func latest(_ id: String) -> Int64 {
        generations.withLock { g in g.current[id] ?? g.previous[id] ?? 0 }
    }
}
