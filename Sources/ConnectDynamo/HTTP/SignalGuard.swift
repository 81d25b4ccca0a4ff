import Glibc

/// SIGPIPE blocked on the calling thread for a while: a socket the peer has
/// reset raises it on the writing thread, and a host thread lent to the
/// I/O loop must not die of it (the I/O thread itself blocks every signal).
/// A SIGPIPE raised meanwhile is taken off the thread before the old mask
/// comes back, so it is never delivered.
struct SignalGuard {
    private var previous = sigset_t()
    private var wasBlocked = true

    static func blockingSIGPIPE() -> SignalGuard {
        var guardState = SignalGuard()
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        if pthread_sigmask(SIG_BLOCK, &pipe, &guardState.previous) == 0 {
            guardState.wasBlocked = sigismember(&guardState.previous, SIGPIPE) == 1
        }
        return guardState
    }

    func restore() {
        guard !wasBlocked else { return }
        var pending = sigset_t()
        if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
            var pipe = sigset_t()
            sigemptyset(&pipe)
            sigaddset(&pipe, SIGPIPE)
            var now = timespec()
            _ = sigtimedwait(&pipe, nil, &now)
        }
        var previous = self.previous
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
}
