import Testing
@testable import ConnectDynamo

/// Known answers from the AWS SigV4 test suite and botocore.
struct SigV4Tests {
    let credentials = Credentials(accessKeyId: "AKIDEXAMPLE",
                                  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    let time: Int64 = 1_440_938_160  // 20150830T123600Z

    func signature(_ headers: [(String, String)]) -> String? {
        guard let auth = headers.first(where: { $0.0 == "Authorization" })?.1,
              let range = auth.firstRange(of: "Signature=") else { return nil }
        return String(auth[range.upperBound...])
    }

    @Test func amzDateFormatsUTC() {
        #expect(SigV4.amzDate(time) == "20150830T123600Z")
    }

    @Test func getVanillaMatchesTheAWSSuite() {
        let signer = SigV4(region: "us-east-1", service: "service")
        let signed = signer.sign(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")],
                                 body: [], credentials: credentials, time: time)
        #expect(signature(signed) == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func postVanillaMatchesTheAWSSuite() {
        let signer = SigV4(region: "us-east-1", service: "service")
        let signed = signer.sign(method: "POST", path: "/", headers: [("Host", "example.amazonaws.com")],
                                 body: [], credentials: credentials, time: time)
        #expect(signature(signed) == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    let getItemBody = Array(#"{"TableName":"sessions","Key":{"id":{"S":"abc"}}}"#.utf8)

    @Test func dynamoDBGetItemToALocalPortIsSignedWithThePortInHost() {
        let signer = SigV4(region: "us-east-1", service: "dynamodb")
        let signed = signer.sign(
            method: "POST", path: "/",
            headers: [("Content-Type", "application/x-amz-json-1.0"), ("Host", "localhost:8000"),
                      ("X-Amz-Target", "DynamoDB_20120810.GetItem")],
            body: getItemBody, credentials: credentials, time: time)
        #expect(signature(signed) == "c5c68f78e8a2b1696a86ede000c9c001d7b4b6b24fe663c31651c9c592f0f7f0")
        let auth = signed.first { $0.0 == "Authorization" }?.1 ?? ""
        #expect(auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-target,"))
    }

    @Test func sessionTokenIsSentAndSigned() {
        var withToken = credentials
        withToken.sessionToken = "SESSIONTOKEN"
        let signer = SigV4(region: "us-east-1", service: "dynamodb")
        let signed = signer.sign(
            method: "POST", path: "/",
            headers: [("Content-Type", "application/x-amz-json-1.0"),
                      ("Host", "dynamodb.us-east-1.amazonaws.com"),
                      ("X-Amz-Target", "DynamoDB_20120810.GetItem")],
            body: getItemBody, credentials: withToken, time: time)
        #expect(signature(signed) == "cb69ff5813ba65a9e7e3dd93675ab1c7c38dd9ffbb18e892c282fb42e323fb50")
        #expect(signed.contains { $0.0 == "X-Amz-Security-Token" && $0.1 == "SESSIONTOKEN" })
    }

    @Test func headerValuesAreTrimmedAndSqueezed() {
        #expect(SigV4.trimmed("  a   b \t c ") == "a b c")
    }

    @Test func credentialsNeverPrintTheirSecret() {
        var c = credentials
        c.sessionToken = "TOKENVALUE"
        #expect(!"\(c)".contains("wJalr"))
        #expect(!"\(c)".contains("TOKENVALUE"))
    }
}
