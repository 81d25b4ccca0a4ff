
/// Log levels, as the C API's cdyn_log_level.
public enum LogLevel: Int32, Sendable, Comparable {
    case off = 0, error = 1, warn = 2, info = 3, debug = 4
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Sends log lines at or above `level` to an optional sink. Callers never
/// pass secrets: messages name operations, codes and key ids, not keys.
public struct Logger: Sendable {
    public var level: LogLevel
    public var sink: (@Sendable (LogLevel, String) -> Void)?

    public init(level: LogLevel = .warn, sink: (@Sendable (LogLevel, String) -> Void)? = nil) {
        self.level = level
        self.sink = sink
    }

    func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard let sink, level != .off, level <= self.level else { return }
        sink(level, message())
    }
}

/// A store's counters, readable from any thread. One uncontended lock per
/// count costs nanoseconds next to a network request.
public final class Stats: Sendable {
    public static let errorSlots = 32

    public struct Snapshot: Sendable, Equatable {
        public var operations: UInt64 = 0
        public var requests: UInt64 = 0
        public var attempts: UInt64 = 0
        public var retries: UInt64 = 0
        public var throttles: UInt64 = 0
        public var timeouts: UInt64 = 0
        /// Failed operations, indexed by -code.
        public var errors = [UInt64](repeating: 0, count: Stats.errorSlots)
    }

    private let counters = Locked(Snapshot())

    public init() {}

    enum Counter { case operations, requests, attempts, retries, throttles, timeouts }

    /// (A switch, not a key path: applying a key path goes through the
    /// runtime's dynamic casts, on every request.)
    func count(_ counter: Counter) {
        counters.withLock { snapshot in
            switch counter {
            case .operations: snapshot.operations &+= 1
            case .requests: snapshot.requests &+= 1
            case .attempts: snapshot.attempts &+= 1
            case .retries: snapshot.retries &+= 1
            case .throttles: snapshot.throttles &+= 1
            case .timeouts: snapshot.timeouts &+= 1
            }
        }
    }

    func countFailure(_ code: StoreError.Code) {
        let slot = Int(-code.rawValue)
        guard slot >= 0 && slot < Stats.errorSlots else { return }
        counters.withLock { $0.errors[slot] &+= 1 }
    }

    public func snapshot() -> Snapshot {
        counters.withLock { $0 }
    }
}
