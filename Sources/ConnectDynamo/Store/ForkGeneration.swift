import Glibc
import Synchronization

/// How many fork()s lie between the process that loaded the library and
/// this one: a pthread_atfork child handler adds one in every child, so a
/// value taken in the parent differs from the current one in any child
/// forked since. It tells a process from its parent without a getpid()
/// system call on every store call (glibc no longer caches the pid).
///
/// A child made without fork() (posix_spawn, vfork) runs no atfork
/// handler, but execs at once and never calls a store.
enum ForkGeneration {
    private static let counter = Atomic<UInt64>(0)

    /// Registered once, before the first `current` (and so before any
    /// parts are built): a fork before that has no parts to tell apart.
    private static let registered: Bool = {
        pthread_atfork(nil, nil, { ForkGeneration.counter.add(1, ordering: .relaxed) }) == 0
    }()

    /// The current generation; fails safe to a getpid()-based value if
    /// the handler could not be registered (out of memory).
    static var current: UInt64 {
        guard registered else { return UInt64(UInt32(bitPattern: getpid())) | 1 << 63 }
        // Relaxed is enough: the child handler runs on the one thread the
        // child starts with, before fork() returns there.
        return counter.load(ordering: .relaxed)
    }
}
