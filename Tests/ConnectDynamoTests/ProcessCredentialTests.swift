import Glibc
import Testing
@testable import ConnectDynamo

/// credential_process, run for real through /bin/sh on an I/O engine.
struct ProcessCredentialTests {
    func run(_ command: String, timeoutMillis: Int = 10_000) async throws -> ProviderResult {
        let engine = try IOEngine(userAgent: "test")
        defer { engine.shutdown() }
        let provider = ProcessCredentialProvider(command: command, profileName: "p", engine: engine,
                                                 timeoutMillis: timeoutMillis)
        return await withCheckedContinuation { continuation in
            engine.post { provider.load { continuation.resume(returning: $0) } }
        }
    }

    func failure(_ result: ProviderResult) -> StoreError? {
        if case .failed(let error) = result { return error }
        return nil
    }

    @Test func itsJSONIsTheCredentials() async throws {
        let json = #"{"Version": 1, "AccessKeyId": "AKPROC", "SecretAccessKey": "sk", "SessionToken": "st", "Expiration": "2099-01-01T00:00:00Z"}"#
        let result = try await run("printf '%s' '\(json)'")
        guard case .found(let credentials) = result else {
            Issue.record("expected credentials, got \(result)")
            return
        }
        #expect(credentials.accessKeyId == "AKPROC" && credentials.sessionToken == "st")
        #expect(credentials.expiration == ISO8601.epochSeconds("2099-01-01T00:00:00Z"))
    }

    @Test func aFailingCommandIsReportedWithoutItsOutput() async throws {
        let error = failure(try await run("echo secret-output-123; exit 3"))
        #expect(error?.message.contains("status 3") == true)
        #expect(error?.message.contains("secret-output-123") == false)
    }

    @Test func aCommandThatHangsIsKilledAtTheTimeout() async throws {
        // A compound command: the shell stays, with `sleep` as its child,
        // which must die with it (the whole process group is killed).
        // Asserting the kill, not how long it took: CI's machine is busy.
        let pidFile = "/tmp/cdyn-proc-\(getpid())-\(Clock.monotonicMillis())"
        defer { unlink(pidFile) }
        let error = failure(try await run("sleep 30 & echo $! > \(pidFile); wait; echo done",
                                          timeoutMillis: 200))
        #expect(error?.message.contains("killed") == true)
        let sleeper = try #require(Int32(readFile(pidFile).filter { $0.isNumber }))
        #expect(diesEventually(sleeper))
    }

    private func readFile(_ path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        return fgets(&buffer, 64, file).map { _ in String(cString: buffer) } ?? ""
    }

    /// True once `pid` is gone or a zombie (SIGKILL is delivered at once,
    /// but a busy kernel may take a moment to finish the process off).
    private func diesEventually(_ pid: Int32) -> Bool {
        for _ in 0..<1000 {
            let state = readFile("/proc/\(pid)/stat").split(separator: " ").dropFirst(2).first
            if state == nil || state == "Z" || state == "X" { return true }
            usleep(10_000)
        }
        return false
    }

    @Test func tooMuchOutputIsRefused() async throws {
        let error = failure(try await run("head -c 200000 /dev/zero"))
        #expect(error?.message.contains("more than") == true)
    }

    @Test func theVersionMustBeOne() {
        let json = Array(#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "secret-value-xyz"}"#.utf8)
        guard case .failed(let error) = ProcessCredentialProvider.parse(json, profileName: "p", now: 0) else {
            Issue.record("accepted Version 2")
            return
        }
        #expect(!error.message.contains("secret-value-xyz"))
    }
}
