import Testing
@testable import ConnectDynamo

/// STS's query-protocol XML, read minimally.
struct STSResponseTests {
    let answer = """
        <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleWithWebIdentityResult>
            <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
            <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
            <AssumedRoleUser>
              <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
              <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
            </AssumedRoleUser>
            <Credentials>
              <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE/a&amp;b=</SessionToken>
              <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
              <Expiration>2014-10-24T23:00:23Z</Expiration>
              <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
            </Credentials>
            <SourceIdentity>SourceIdentityValue</SourceIdentity>
            <Provider>www.amazon.com</Provider>
          </AssumeRoleWithWebIdentityResult>
          <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>
        </AssumeRoleWithWebIdentityResponse>
        """

    @Test func credentialsAreReadFromTheAWSExample() throws {
        let credentials = try STSResponse.credentials(Array(answer.utf8), now: 0).get()
        #expect(credentials.accessKeyId == "ASgeIAIOSFODNN7EXAMPLE")
        #expect(credentials.secretAccessKey == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY")
        #expect(credentials.sessionToken == "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE/a&b=")
        #expect(credentials.expiration == 1_414_191_623)
    }

    @Test func expiredCredentialsAreRefused() {
        guard case .failure(let error) = STSResponse.credentials(Array(answer.utf8), now: 2_000_000_000) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .credentials)
    }

    @Test(arguments: [
        "", "<html>502</html>", "<Credentials><AccessKeyId>A</AccessKeyId></Credentials>",
        "<Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>"
            + "<Expiration>soon</Expiration></Credentials>",
        "<Credentials><AccessKeyId>A", "<CredentialsX><AccessKeyId>A</AccessKeyId></CredentialsX>",
    ])
    func incompleteAnswersFail(_ text: String) {
        guard case .failure(let error) = STSResponse.credentials(Array(text.utf8), now: 0) else {
            Issue.record("expected a failure for \(text)")
            return
        }
        #expect(error.code == .credentials)
        #expect(!error.message.contains("wJalr"))
    }

    @Test func errorResponsesGiveCodeAndMessage() {
        let body = """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>
              <Message>Token &lt;x&gt; is &#65;&#x42; bad</Message></Error>
              <RequestId>r</RequestId></ErrorResponse>
            """
        let error = STSResponse.error(Array(body.utf8))
        #expect(error?.code == "InvalidIdentityToken")
        #expect(error?.message == "Token <x> is AB bad")
        #expect(STSResponse.error(Array("<html/>".utf8)) == nil)
    }

    @Test func elementsMatchWholeNamesAndEmptyTags() {
        #expect(STSResponse.element("Code", in: "<CodeX>1</CodeX><Code>2</Code>") == "2")
        #expect(STSResponse.element("Code", in: "<Code a=\"1\">3</Code>") == "3")
        #expect(STSResponse.element("Code", in: "<Code/>") == "")
        #expect(STSResponse.element("Code", in: "<Code>open") == nil)
    }

    @Test func unknownOrBrokenEntitiesAreKept() {
        #expect(STSResponse.decode("a &bogus; b & c &#xZZ; &#1114112;") == "a &bogus; b & c &#xZZ; &#1114112;")
        #expect(STSResponse.decode("&amp;amp;") == "&amp;")
    }

    @Test func theFormBodyPercentEncodesAsTheSDKsDo() {
        let body = WebIdentityCredentialProvider.formBody([("RoleArn", "arn:aws:iam::1:role/x"), ("T", "a+b=c d~")])
        #expect(String(decoding: body, as: UTF8.self) == "RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx&T=a%2Bb%3Dc%20d~")
    }
}
