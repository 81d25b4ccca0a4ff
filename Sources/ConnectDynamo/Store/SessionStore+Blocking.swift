import Glibc

/// Blocking over the asynchronous calls, in one place: the deadlock check
/// (never wait on the thread that would have to answer), the loan of the
/// waiting thread to an idle store's I/O loop (so the completion may run on
/// it, see `lendingThread`), and the wait. The C API's blocking functions
/// are each one `waitFor` of their asynchronous twin.
extension SessionStore {
    /// Starts the call `start` makes and waits for its result, on any
    /// thread but the store's I/O thread (`.deadlock` there: a blocking call
    /// from a callback would wait for itself).
    @inlinable
    public func waitFor<T: Sendable>(
        _ start: (@escaping Completion<T>) throws(StoreError) -> Void
    ) -> Result<T, StoreError> {
        guard !isOnIOThread else {
            return .failure(StoreError(.deadlock,
                "blocking call on the store's I/O thread (from a callback): use the _async call"))
        }
        let waiter = Waiter<T>()
        do {
            // This thread would only sleep until the result is in: when the
            // store is idle, it runs the I/O itself meanwhile.
            try lendingThread(until: { waiter.isComplete }) { () throws(StoreError) in
                try start { waiter.complete($0) }
            }
        } catch {
            return .failure(error)
        }
        return waiter.wait()
    }
}

/// One result, handed from the thread that completes a call to the one
/// waiting for it.
@usableFromInline
final class Waiter<T: Sendable>: @unchecked Sendable {
    @usableFromInline let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    @usableFromInline var result: Result<T, StoreError>?

    /// Whether the result is in; read only by the thread running the
    /// store's loop (which is the one that completes it).
    @inlinable var isComplete: Bool { result != nil }

    @inlinable init() { sem_init(semaphore, 0, 0) }

    @inlinable deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    @inlinable func complete(_ value: Result<T, StoreError>) {
        result = value
        sem_post(semaphore)
    }

    @inlinable func wait() -> Result<T, StoreError> {
        while sem_wait(semaphore) != 0 && errno == EINTR {}
        return result ?? .failure(StoreError(.failure, "no result"))
    }
}
