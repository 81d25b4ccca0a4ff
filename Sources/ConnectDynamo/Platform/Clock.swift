import Glibc

/// The system's clocks. The wall clock is read only here; whatever judges
/// time (expiry, credentials, the reaper) takes a clock function defaulting
/// to `epochSeconds`, so tests inject their own instead of sleeping.
enum Clock {
    /// Wall-clock time, epoch seconds with a fraction.
    @Sendable static func epochSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Monotonic time in milliseconds, for timers.
    static func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1000 &+ Int64(ts.tv_nsec) / 1_000_000
    }

    /// A UTC calendar time, as gmtime gives it (year in full, month 1-12).
    struct UTC {
        var year, month, day, hour, minute, second: Int32
    }

    /// `epochSeconds` (clamped to years 1970-9999) as a UTC calendar time.
    static func utc(_ epochSeconds: Int64) -> UTC {
        var t = time_t(max(0, min(epochSeconds, 253_402_300_799)))
        var parts = tm()
        gmtime_r(&t, &parts)
        return UTC(year: parts.tm_year + 1900, month: parts.tm_mon + 1, day: parts.tm_mday,
                   hour: parts.tm_hour, minute: parts.tm_min, second: parts.tm_sec)
    }
}
