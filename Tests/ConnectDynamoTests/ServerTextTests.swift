import Testing
@testable import ConnectDynamo

/// Server text leaves the library scrubbed of signatures and tokens, on
/// one line, and capped (see ServerText).
struct ServerTextTests {
    static let echoedRequest = """
        POST / HTTP/1.1\r
        Host: dynamodb.us-east-1.amazonaws.com\r
        Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r
        X-Amz-Security-Token: IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc=\r
        """

    @Test func anEchoedRequestLosesItsSignatureCredentialAndToken() {
        let out = ServerText.sanitized(Self.echoedRequest, limit: 10_000)
        #expect(!out.contains("5d672d79"))
        #expect(!out.contains("AKIDEXAMPLE"))
        #expect(!out.contains("IQoJb3JpZ2lu"))
        #expect(out.contains("Authorization: <redacted>"))
        #expect(out.contains("X-Amz-Security-Token: <redacted>"))
        #expect(out.contains("Host: dynamodb.us-east-1.amazonaws.com"))
    }

    @Test func signaturesInQueryStringsAndAnyLetterCaseAreScrubbed() {
        let out = ServerText.sanitized("GET /?X-Amz-Credential=AKID%2F1&x-amz-signature=abc123&X-AMZ-SECURITY-TOKEN=tok%2B1 done")
        #expect(out == "GET /?X-Amz-Credential=<redacted>&x-amz-signature=<redacted>&X-AMZ-SECURITY-TOKEN=<redacted> done")
    }

    @Test func lineEndsAndControlCharactersAreEscapedOntoOneLine() {
        let out = ServerText.sanitized("bad\r\nERROR forged line\u{1b}[31m\u{2028}tab\there")
        #expect(out == "bad\\r\\nERROR forged line\\u{1b}[31m\\u{2028}tab\\there")
    }

    @Test func aMegabyteIsCutToTheLimitAndMarked() {
        let out = ServerText.sanitized(String(repeating: "é", count: 500_000))
        #expect(out.utf8.count <= ServerText.limit + 40)
        #expect(out.hasSuffix("... (cut; 1000000 bytes in all)"))
        #expect(out.hasPrefix("éé"))
    }

    @Test func shortPlainTextIsLeftAsItIs() {
        #expect(ServerText.sanitized("ValidationException: One or more parameter values were invalid") ==
                "ValidationException: One or more parameter values were invalid")
    }
}
