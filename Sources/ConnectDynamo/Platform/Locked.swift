import Glibc

/// A value behind a pthread mutex, with a condition variable to wait on it.
/// Not Synchronization.Mutex: on Linux its futex lives in the
/// uninstrumented standard library, so ThreadSanitizer cannot see it and
/// reports every access it guards as a race; a pthread mutex it
/// understands, which keeps `make test-tsan` meaningful.
final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Waits until `ready` holds, then runs `body`, all under the lock.
    func withLock<T>(when ready: (Value) -> Bool, _ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(value) { pthread_cond_wait(condition, mutex) }
        return try body(&value)
    }

    /// Wakes the threads waiting in `withLock(when:_:)` to look again;
    /// call it after changing the value.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
