import Testing
@testable import ConnectDynamo

struct SharedConfigTests {
    @Test func profilesFromBothFilesMergeWithCredentialsWinning() {
        var config = SharedConfig()
        config.merge(text: """
            [default]
            region = eu-west-1
            aws_access_key_id = FROMCONFIG
            # a comment
            [profile dev]
            region=ap-south-1 ; inline comment
            services = local
            [services local]
            dynamodb =
              endpoint_url = http://127.0.0.1:8000
            """, isConfigFile: true)
        config.merge(text: """
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = secret/with+chars=
            [dev]
            aws_access_key_id=AKIDDEV
            aws_secret_access_key=devsecret
            aws_session_token = token
            """, isConfigFile: false)
        #expect(config.profile("default")?["region"] == "eu-west-1")
        #expect(config.profile("default")?["aws_access_key_id"] == "AKIDDEFAULT")
        #expect(config.profile("default")?["aws_secret_access_key"] == "secret/with+chars=")
        #expect(config.profile("dev")?["region"] == "ap-south-1")
        #expect(config.profile("dev")?["aws_session_token"] == "token")
        #expect(config.services["local"]?["dynamodb.endpoint_url"] == "http://127.0.0.1:8000")
        #expect(config.profile("missing") == nil)
    }

    @Test func configFileSectionsWithoutTheProfileWordAreNotProfiles() {
        var config = SharedConfig()
        config.merge(text: "[dev]\nregion = x\n", isConfigFile: true)
        #expect(config.profile("dev") == nil)
    }

    @Test func garbageLinesAreIgnored() {
        var config = SharedConfig()
        config.merge(text: "no section = here\n[broken\nkey = v\n[ok]\n=\nnovalue\nk = v\r\n", isConfigFile: false)
        #expect(config.profile("ok")?["k"] == "v")
        #expect(config.profiles.count == 1)
    }

    @Test func environmentPicksFilesAndProfile() throws {
        let env = Environment { name in
            ["AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials"][name]
        }
        let config = try SharedConfig.load(env)
        #expect(config.profiles.isEmpty)
    }
}
