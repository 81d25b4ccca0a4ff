import Glibc

/// A thread's identity (pthread_t), comparable with pthread_equal.
struct ThreadID: Equatable {
    let raw: pthread_t

    static var current: ThreadID { ThreadID(raw: pthread_self()) }

    static func == (a: ThreadID, b: ThreadID) -> Bool {
        pthread_equal(a.raw, b.raw) != 0
    }
}

/// A thread of the library's own, started with every signal blocked: the
/// host's signal handlers run on the host's threads, and a SIGPIPE from a
/// dead socket kills nobody.
struct SystemThread {
    let id: ThreadID

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread; `body` (and what it holds) is
    /// released when it returns.
    static func start(_ body: @escaping () -> Void) -> Result<SystemThread, SystemError> {
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        // The new thread inherits the creating thread's mask.
        pthread_sigmask(SIG_SETMASK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return .failure(SystemError("pthread_create", code: result))
        }
        return .success(SystemThread(id: ThreadID(raw: thread)))
    }

    /// Waits for the thread to end.
    func join() {
        pthread_join(id.raw, nil)
    }

    /// Lets the thread end on its own (called from the thread itself).
    func detach() {
        pthread_detach(id.raw)
    }
}
