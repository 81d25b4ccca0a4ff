import Testing
@testable import ConnectDynamo

/// Where container credentials may come from, and with what token.
struct ContainerCredentialTests {
    func env(_ values: [String: String]) -> Environment {
        Environment { values[$0] }
    }

    @Test(arguments: [
        ("http", "127.0.0.1"), ("http", "127.0.0.1:8080"), ("http", "127.1.2.3"), ("http", "localhost:9"),
        ("http", "[::1]:80"), ("http", "169.254.170.2"), ("http", "169.254.170.23"), ("http", "[fd00:ec2::23]"),
        ("https", "example.com"), ("https", "10.0.0.1:443"),
    ])
    func allowedHosts(_ scheme: String, _ host: String) {
        #expect(ContainerCredentialProvider.isAllowed(scheme: scheme, hostHeader: host))
    }

    @Test(arguments: [
        ("http", "10.0.0.1"), ("http", "169.254.169.254"), ("http", "example.com"), ("http", "127.0.0.1.evil.com"),
        ("http", "128.0.0.1"), ("http", "127.0.0.256"), ("http", "127.0.0"), ("http", "[fd00:ec2::24]"),
        ("ftp", "127.0.0.1"), ("http", "localhost.example.com"),
    ])
    func refusedHosts(_ scheme: String, _ host: String) {
        #expect(!ContainerCredentialProvider.isAllowed(scheme: scheme, hostHeader: host))
    }

    @Test func theRelativeURIGoesToTheECSAgentAndWins() throws {
        let url = ContainerCredentialProvider.url(env([
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/other",
        ]))
        #expect(try url?.get() == "http://169.254.170.2/v2/credentials/abc")
    }

    @Test func aFullURIMustBeAllowed() throws {
        #expect(try ContainerCredentialProvider.url(env(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:5/c"]))?.get()
            == "http://127.0.0.1:5/c")
        #expect(throws: StoreError.self) {
            try ContainerCredentialProvider.url(env(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.1.1.1/c"]))?.get()
        }
        #expect(ContainerCredentialProvider.url(env([:])) == nil)
    }

    @Test func aTokenWithALineBreakIsRefused() throws {
        let engine = try IOEngine(userAgent: "test")
        defer { engine.shutdown() }
        let provider = ContainerCredentialProvider(
            env: env(["AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Evil: 1"]), engine: engine, caBundle: nil)
        guard case .failure(let error) = provider.authorization() else {
            Issue.record("expected a failure")
            return
        }
        #expect(!error.message.contains("abc"))
        let plain = ContainerCredentialProvider(env: env(["AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok"]),
                                                engine: engine, caBundle: nil)
        #expect(try plain.authorization().get() == "tok")
    }

    @Test func credentialDocumentsNeedKeyAndSecretAndAFutureExpiration() throws {
        func parse(_ text: String) -> Result<Credentials, StoreError> {
            CredentialDocument.parse(Array(text.utf8), source: "test", tokenField: "Token", now: 1_000_000_000)
        }
        let good = try parse(#"{"AccessKeyId":"AK","SecretAccessKey":"SK","Token":"TK","Expiration":"2030-01-01T00:00:00Z"}"#).get()
        #expect(good == Credentials(accessKeyId: "AK", secretAccessKey: "SK", sessionToken: "TK", expiration: 1_893_456_000))
        for bad in [#"{"AccessKeyId":"AK"}"#, #"{"SecretAccessKey":"SK-secret"}"#, "[]", "nope",
                    #"{"Code":"Failure","AccessKeyId":"AK","SecretAccessKey":"SK-secret"}"#,
                    #"{"AccessKeyId":"AK","SecretAccessKey":"SK-secret","Expiration":"2001-01-01T00:00:00Z"}"#,
                    #"{"AccessKeyId":"AK","SecretAccessKey":"SK-secret","Token":5}"#] {
            guard case .failure(let error) = parse(bad) else {
                Issue.record("accepted \(bad)")
                continue
            }
            #expect(!error.message.contains("SK-secret"))
        }
    }
}
