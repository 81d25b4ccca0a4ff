import Testing
@testable import ConnectDynamo

/// How SSO profiles are read (the exchange itself is in the integration
/// suite, against a fake portal).
struct SSOSettingsTests {
    func config(_ text: String) -> SharedConfig {
        var config = SharedConfig()
        config.merge(text: text, isConfigFile: true)
        return config
    }

    func settings(_ text: String, profile: String = "dev") -> Result<SSOCredentialProvider.Settings, StoreError>? {
        let config = config(text)
        return SSOCredentialProvider.settings(profileName: profile, profile: config.profile(profile) ?? [:], config: config)
    }

    @Test func theCacheFileIsNamedByTheSHA1OfItsKey() {
        #expect(Digest.sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func anSSOSessionProfileTakesRegionFromItsSection() throws {
        let found = try #require(settings("""
            [profile dev]
            sso_session = corp
            sso_account_id = 111122223333
            sso_role_name = Dev
            [sso-session corp]
            sso_region = eu-west-1
            sso_start_url = https://corp.awsapps.com/start
            """))
        #expect(try found.get() == .init(accountId: "111122223333", roleName: "Dev", region: "eu-west-1",
                                         cacheKey: "corp", loginHint: "--sso-session corp", renewable: true))
    }

    @Test func aLegacyProfileIsKeyedByItsStartURL() throws {
        let found = try #require(settings("""
            [profile dev]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = us-east-2
            sso_account_id = 111122223333
            sso_role_name = Dev
            """))
        #expect(try found.get().cacheKey == "https://corp.awsapps.com/start")
        #expect(try found.get().loginHint == "--profile dev")
        #expect(try found.get().renewable == false)
    }

    @Test func aProfileWithoutSSOSettingsIsNotOne() {
        #expect(settings("[profile dev]\naws_access_key_id = A\n") == nil)
    }

    @Test(arguments: [
        ("[profile dev]\nsso_session = corp\nsso_role_name = Dev\n", "sso_account_id"),
        ("[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Dev\n", "no [sso-session corp]"),
        ("[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Dev\n[sso-session corp]\nsso_region = x\n",
         "sso_start_url"),
        ("[profile dev]\nsso_start_url = https://x\nsso_account_id = 1\nsso_role_name = Dev\n", "sso_region"),
    ])
    func incompleteProfilesSayWhatIsMissing(text: String, words: String) throws {
        let found = try #require(settings(text))
        guard case .failure(let error) = found else {
            Issue.record("accepted an incomplete SSO profile")
            return
        }
        #expect(error.code == .credentials && error.message.contains(words))
    }

    @Test func cacheTimesRoundTripInBothSpellings() {
        #expect(SSOTokenCache.text(1_700_000_000) == "2023-11-14T22:13:20Z")
        #expect(SSOTokenCache.time("2023-11-14T22:13:20Z") == 1_700_000_000)
        #expect(SSOTokenCache.time("2023-11-14T22:13:20UTC") == 1_700_000_000)
        #expect(SSOTokenCache.time("yesterday") == nil)
        #expect(SSOTokenCache.text(.infinity) == "1970-01-01T00:00:00Z")  // never traps
    }

    @Test func roleCredentialsComeWithAnExpiryInMilliseconds() throws {
        let body = Array(#"{"roleCredentials":{"accessKeyId":"ASIA1","secretAccessKey":"s","sessionToken":"t","expiration":2000000000000}}"#.utf8)
        let credentials = try SSOCredentialProvider.roleCredentials(body, now: 1_000_000_000).get()
        #expect(credentials.accessKeyId == "ASIA1" && credentials.expiration == 2_000_000_000)
        #expect(throws: StoreError.self) { try SSOCredentialProvider.roleCredentials(body, now: 3_000_000_000).get() }
        #expect(throws: StoreError.self) { try SSOCredentialProvider.roleCredentials(Array("{}".utf8), now: 0).get() }
    }
}
