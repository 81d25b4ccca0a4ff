import Glibc

/// Credentials printed by a profile's `credential_process` command, as the
/// SDKs run it: through the shell (`/bin/sh -c`), stdin and stderr on
/// /dev/null, stdout read as JSON
///
///     {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...,
///      "SessionToken": ..., "Expiration": "ISO 8601"}
///
/// The I/O thread must never wait on a child, so the pipe is non-blocking
/// and is drained on engine timers until end of file, a size cap, or a
/// timeout (then the child is killed). Nothing the command prints ever
/// appears in a message: it is full of secrets.
final class ProcessCredentialProvider: CredentialProvider, @unchecked Sendable {
    static let maximumOutput = 64 * 1024
    static let pollMillis = 5

    let command: String
    let profileName: String
    let engine: IOEngine
    let timeoutMillis: Int

    var name: String { "credential_process of profile \(profileName)" }

    init(command: String, profileName: String, engine: IOEngine, timeoutMillis: Int = 30_000) {
        self.command = command
        self.profileName = profileName
        self.engine = engine
        self.timeoutMillis = timeoutMillis
    }

    /// One run of the command; I/O-thread state.
    private final class Run {
        let pid: pid_t
        let fd: Int32
        let deadline: Int64
        var output: [UInt8] = []
        var endOfFile = false
        init(pid: pid_t, fd: Int32, deadline: Int64) {
            self.pid = pid
            self.fd = fd
            self.deadline = deadline
        }
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        switch spawn() {
        case .failure(let error):
            completion(.failed(error))
        case .success(let run):
            poll(run, completion)
        }
    }

    private func failure(_ what: String) -> ProviderResult {
        .failed(StoreError(.credentials, "credential_process of profile \(profileName) \(what)"))
    }

    private func spawn() -> Result<Run, StoreError> {
        var fds: [Int32] = [-1, -1]
        // pipe2 is not in Swift's Glibc module; close-on-exec is set right
        // after, so only a fork in that instant could inherit the pipe.
        guard pipe(&fds) == 0 else {
            return .failure(StoreError(.credentials, "cannot create a pipe for credential_process: \(String(cString: strerror(errno)))"))
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
        // Its own process group, so that a timeout kills whatever the shell
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
            return .failure(StoreError(.credentials,
                "credential_process of profile \(profileName) could not be started: \(String(cString: strerror(result)))"))
        }
        let deadline = Clock.monotonicMillis() &+ Int64(timeoutMillis)
        return .success(Run(pid: pid, fd: readEnd, deadline: deadline))
    }

    private func poll(_ run: Run, _ completion: @escaping (ProviderResult) -> Void) {
        if !run.endOfFile {
            if let error = drain(run) { return finish(run, kill: true, error, completion) }
        }
        if run.endOfFile {
            var status: Int32 = 0
            let reaped = waitpid(run.pid, &status, WNOHANG)
            if reaped == run.pid {
                close(run.fd)
                return completion(interpret(run.output, status: status))
            }
            if reaped < 0 {
                // ECHILD: the host reaps children itself (SIGCHLD ignored);
                // the output is all there is to judge by.
                close(run.fd)
                return completion(interpret(run.output, status: 0))
            }
        }
        if engine.isStopping {
            return finish(run, kill: true, .failed(.closed), completion)
        }
        if Clock.monotonicMillis() >= run.deadline {
            return finish(run, kill: true, failure("did not finish within \(timeoutMillis / 1000) s and was killed"), completion)
        }
        engine.schedule(afterMillis: ProcessCredentialProvider.pollMillis) { [self] in
            poll(run, completion)
        }
    }

    /// Reads what the pipe has; a failure to report, or nil.
    private func drain(_ run: Run) -> ProviderResult? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(run.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                run.output.append(contentsOf: chunk[0..<n])
                if run.output.count > ProcessCredentialProvider.maximumOutput {
                    return failure("printed more than \(ProcessCredentialProvider.maximumOutput) bytes")
                }
                continue
            }
            if n == 0 {
                run.endOfFile = true
                return nil
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            return failure("output could not be read: \(String(cString: strerror(errno)))")
        }
    }

    private func finish(_ run: Run, kill shouldKill: Bool, _ result: ProviderResult,
                        _ completion: @escaping (ProviderResult) -> Void) {
        if shouldKill {
            kill(-run.pid, SIGKILL)
            // After SIGKILL the child is gone at once; this wait is short.
            var status: Int32 = 0
            while waitpid(run.pid, &status, 0) < 0 && errno == EINTR {}
        }
        close(run.fd)
        completion(result)
    }

    func interpret(_ output: [UInt8], status: Int32) -> ProviderResult {
        let signal = status & 0x7F
        let exitCode = (status >> 8) & 0xFF
        if signal != 0 { return failure("was killed by signal \(signal)") }
        if exitCode != 0 { return failure("exited with status \(exitCode)") }
        return ProcessCredentialProvider.parse(output, profileName: profileName, now: Clock.epochSeconds())
    }

    /// The command's JSON, which must say Version 1.
    static func parse(_ output: [UInt8], profileName: String, now: Double) -> ProviderResult {
        let source = "credential_process of profile \(profileName)"
        guard let json = try? JSON.parse(output), case .object = json else {
            return .failed(StoreError(.credentials, "\(source) did not print a JSON object"))
        }
        guard json["Version"]?.int64Value == 1 else {
            return .failed(StoreError(.credentials, "\(source) printed JSON without \"Version\": 1"))
        }
        switch CredentialDocument.parse(output, source: source, tokenField: "SessionToken", now: now) {
        case .success(let credentials): return .found(credentials)
        case .failure(let error): return .failed(error)
        }
    }
}
