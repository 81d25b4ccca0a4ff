import Glibc

/// A POSIX semaphore: one thread signals, another waits (through EINTR).
/// Not copyable: it owns its sem_t, destroyed with it.
@usableFromInline
struct Semaphore: ~Copyable {
    @usableFromInline let handle: UnsafeMutablePointer<sem_t>

    @inlinable init() {
        handle = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        sem_init(handle, 0, 0)
    }

    @inlinable deinit {
        sem_destroy(handle)
        handle.deallocate()
    }

    @inlinable func signal() {
        sem_post(handle)
    }

    @inlinable func wait() {
        while sem_wait(handle) != 0 && errno == EINTR {}
    }
}
