import Glibc
@testable import ConnectDynamo

private let tablesMade = Locked(0)

/// A table name no other test of this run uses: tests run in parallel and
/// two can start in the same millisecond, so a clock alone is not enough.
func uniqueTable(_ prefix: String) -> String {
    let n = tablesMade.withLock { count in
        count += 1
        return count
    }
    return "\(prefix)-\(getpid())-\(Clock.monotonicMillis())-\(n)"
}
