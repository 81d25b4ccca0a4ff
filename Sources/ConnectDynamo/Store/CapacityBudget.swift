/// Paces the spending of DynamoDB capacity units to a rate, so that a
/// background job (the reaper) leaves the table's provisioned capacity to
/// the application's own traffic.
///
/// Each request reserves what it is expected to cost before it goes, and
/// settles the difference when the answer says what it really consumed
/// (`ConsumedCapacity`). A request may go once everything spent so far has
/// been paid for at `unitsPerSecond`; spending is never refused, only
/// delayed, so the long-run rate stays at or under the budget whatever
/// each request costs. Several parallel scan segments share one budget.
///
/// The clock is injected (seconds, monotonic), so tests can run it on
/// virtual time. Confined to the I/O loop, like everything it paces.
public final class CapacityBudget {
    /// Units per second; 0 or less means no limit.
    public let unitsPerSecond: Double
    private let now: () -> Double
    /// When everything reserved so far will have been paid for.
    private var paidUntil: Double

    public init(unitsPerSecond: Double, now: @escaping () -> Double) {
        self.unitsPerSecond = unitsPerSecond.isFinite ? unitsPerSecond : 0
        self.now = now
        self.paidUntil = now()
    }

    public var isLimited: Bool { unitsPerSecond > 0 }

    /// Milliseconds to wait before the next request may go (0: now).
    public func delayMillis() -> Int {
        guard isLimited else { return 0 }
        let wait = paidUntil - now()
        guard wait > 0 else { return 0 }
        return Int(min((wait * 1000).rounded(.up), 3_600_000))
    }

    /// Books `units` (an estimate before a request, or the correction
    /// after it; a negative correction gives time back, but never the past).
    public func spend(_ units: Double) {
        guard isLimited, units.isFinite, units != 0 else { return }
        let start = max(paidUntil, units > 0 ? now() : -Double.infinity)
        paidUntil = start + units / unitsPerSecond
    }
}

extension CapacityBudget {
    /// The rules of a paced background scan's settings, shared by the
    /// reaper and re-encryption: budgets of 0 (no limit) or more units per
    /// second, and a page size of 0 (DynamoDB's 1 MB) to 1,000,000 items.
    static func validate(readUnitsPerSecond: Double, writeUnitsPerSecond: Double,
                         pageSize: Int) throws(StoreError) {
        guard readUnitsPerSecond.isFinite, readUnitsPerSecond >= 0 else {
            throw .invalid("the read budget must be a non-negative number of units per second")
        }
        guard writeUnitsPerSecond.isFinite, writeUnitsPerSecond >= 0 else {
            throw .invalid("the write budget must be a non-negative number of units per second")
        }
        guard pageSize >= 0, pageSize <= 1_000_000 else {
            throw .invalid("page size must be 0 ... 1000000 (got \(pageSize))")
        }
    }
}
