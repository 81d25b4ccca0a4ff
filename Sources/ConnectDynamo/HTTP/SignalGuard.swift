import CCurl
import Glibc

/// SIGPIPE blocked on the calling thread for a while: a socket the peer has
/// reset raises it on the writing thread, and a host thread lent to the
/// I/O loop must not die of it (the I/O thread itself blocks every signal).
/// A SIGPIPE raised meanwhile is taken off the thread before the old mask
/// comes back, so it is never delivered.
struct SignalGuard {
    private var previous = sigset_t()
    private var wasBlocked = true

    /// Whether the libcurl loaded writes to sockets in a way that never
    /// raises SIGPIPE, for plain and TLS connections alike: on Linux it
    /// sends with MSG_NOSIGNAL, and since 7.88 its OpenSSL backend writes
    /// through a BIO of its own that does the same (no SSL_set_fd), as its
    /// GnuTLS backend always has (a push function over curl's send).
    /// Decided once, at run time: the libcurl and TLS library are the
    /// host's. Then the guard (three signal system calls a call) is
    /// skipped; with another TLS backend or an older libcurl it is kept.
    static let libcurlSendsWithoutSIGPIPE: Bool = {
        #if os(Linux)
        guard let info = ccurl_version_info() else { return false }
        guard info.pointee.version_num >= 0x07_58_00 else { return false }
        guard let tls = info.pointee.ssl_version else { return true }  // no TLS at all
        let backend = String(cString: tls)
        return backend.hasPrefix("OpenSSL/") || backend.hasPrefix("GnuTLS/")
        #else
        return false
        #endif
    }()

    static func blockingSIGPIPE() -> SignalGuard {
        var guardState = SignalGuard()
        guard !libcurlSendsWithoutSIGPIPE else { return guardState }  // wasBlocked: restore does nothing
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
