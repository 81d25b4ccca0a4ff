import Glibc

/// A shell command run as the AWS SDKs run `credential_process`:
/// `/bin/sh -c COMMAND`, stdin and stderr on /dev/null, stdout on a
/// non-blocking pipe read by the caller, in a process group of its own.
/// Nothing here waits, except `killAndReap` for a child already sent
/// SIGKILL; the caller polls.
struct Subprocess {
    let pid: pid_t
    /// The read end of the child's stdout, non-blocking, close-on-exec.
    let output: Int32

    enum Read {
        case data(Int)        // bytes appended
        case endOfFile
        case wouldBlock
        case failed(String)
    }

    enum Exit {
        case running
        case status(Int32)    // as waitpid gives it
        case unknown          // the host reaps children itself (ECHILD)
    }

    /// Starts `/bin/sh -c command`. Returns why not on failure.
    static func shell(_ command: String) -> Result<Subprocess, SystemError> {
        var fds: [Int32] = [-1, -1]
        // pipe2 is not in Swift's Glibc module; close-on-exec is set right
        // after, so only a fork in that instant could inherit the pipe.
        guard pipe(&fds) == 0 else {
            return .failure(SystemError("cannot create a pipe", code: errno))
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        // The I/O thread blocks every signal and the host may ignore some
        // (Python ignores SIGPIPE); the child starts with neither.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGXFSZ] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // Its own process group, so that a kill reaches whatever the shell
        // started too, not just the shell.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { for arg in argv { free(arg) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        close(writeEnd)
        guard result == 0 else {
            close(readEnd)
            return .failure(SystemError("posix_spawn", code: result))
        }
        return .success(Subprocess(pid: pid, output: readEnd))
    }

    /// Appends what the pipe has now (at most one chunk) to `buffer`.
    func read(into buffer: inout [UInt8]) -> Read {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return .data(n)
            }
            if n == 0 { return .endOfFile }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(String(cString: strerror(errno)))
        }
    }

    /// Reaps the child if it has exited; never waits.
    func exit() -> Exit {
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid { return .status(status) }
        if reaped < 0 { return .unknown }
        return .running
    }

    /// SIGKILL to the child's whole process group, then reaps it (at once:
    /// a killed child is gone).
    func killAndReap() {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Closes the pipe; call once, when done with the child.
    func closeOutput() {
        close(output)
    }
}
