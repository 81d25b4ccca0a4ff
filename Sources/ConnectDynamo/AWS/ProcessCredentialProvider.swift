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
        let child: Subprocess
        let deadline: Int64
        var output: [UInt8] = []
        var endOfFile = false
        init(child: Subprocess, deadline: Int64) {
            self.child = child
            self.deadline = deadline
        }
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        switch Subprocess.shell(command) {
        case .failure(let why):
            completion(failure("could not be started: \(why.message)"))
        case .success(let child):
            poll(Run(child: child, deadline: Clock.monotonicMillis() &+ Int64(timeoutMillis)), completion)
        }
    }

    private func failure(_ what: String) -> ProviderResult {
        .failed(StoreError(.credentials, "credential_process of profile \(profileName) \(what)"))
    }

    private func poll(_ run: Run, _ completion: @escaping (ProviderResult) -> Void) {
        if !run.endOfFile {
            if let error = drain(run) { return finish(run, kill: true, error, completion) }
        }
        if run.endOfFile {
            switch run.child.exit() {
            case .status(let status):
                run.child.closeOutput()
                return completion(interpret(run.output, status: status))
            case .unknown:
                // The host reaps children itself (SIGCHLD ignored); the
                // output is all there is to judge by.
                run.child.closeOutput()
                return completion(interpret(run.output, status: 0))
            case .running:
                break
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
        while true {
            switch run.child.read(into: &run.output) {
            case .data:
                if run.output.count > ProcessCredentialProvider.maximumOutput {
                    return failure("printed more than \(ProcessCredentialProvider.maximumOutput) bytes")
                }
            case .endOfFile:
                run.endOfFile = true
                return nil
            case .wouldBlock:
                return nil
            case .failed(let why):
                return failure("output could not be read: \(why)")
            }
        }
    }

    private func finish(_ run: Run, kill shouldKill: Bool, _ result: ProviderResult,
                        _ completion: @escaping (ProviderResult) -> Void) {
        if shouldKill { run.child.killAndReap() }
        run.child.closeOutput()
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
