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
        let started = Clock.monotonicMillis()
        // A compound command: the shell stays, with `sleep` as its child.
        let error = failure(try await run("sleep 30; echo done", timeoutMillis: 200))
        #expect(error?.message.contains("killed") == true)
        #expect(Clock.monotonicMillis() - started < 5000)
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
