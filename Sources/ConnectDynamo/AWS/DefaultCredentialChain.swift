/// The credential sources a store uses when none are given explicitly, in
/// the AWS SDKs' default order:
///
///  1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
///  2. web identity from the environment: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
///  3. the profile: role via web identity, static keys, credential_process
///  4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
///  5. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED
///
/// Each source looks at its settings when asked (at the first request and
/// at every refresh), so building the chain does no I/O and cannot fail.
enum DefaultCredentialChain {
    struct Context {
        var env: Environment
        var config: SharedConfig
        var profileName: String
        var profile: SharedConfig.Section?
        var region: String
        var caBundle: String?
        var engine: IOEngine
    }

    static func make(_ c: Context) -> CredentialProvider {
        let stsURL = WebIdentityCredentialProvider.stsURL(region: c.region, env: c.env, config: c.config,
                                                          profile: c.profile)
        let envWebIdentity = WebIdentityCredentialProvider(
            settings: WebIdentityCredentialProvider.settings(env: c.env), label: "web identity (environment)",
            stsURL: stsURL, engine: c.engine, caBundle: c.caBundle)
        let profileWebIdentity = WebIdentityCredentialProvider.settings(profile: c.profile).map {
            WebIdentityCredentialProvider(settings: $0, label: "web identity (profile \(c.profileName))",
                                          stsURL: stsURL, engine: c.engine, caBundle: c.caBundle)
        }
        let process = c.profile?["credential_process"].flatMap { command in
            command.trimmingWhitespace().isEmpty ? nil
                : ProcessCredentialProvider(command: command, profileName: c.profileName, engine: c.engine)
        }
        return CredentialChain(providers: [
            EnvironmentCredentialProvider(env: c.env),
            envWebIdentity,
            ProfileCredentialProvider(profileName: c.profileName, profile: c.profile,
                                      webIdentity: profileWebIdentity, process: process),
            ContainerCredentialProvider(env: c.env, engine: c.engine, caBundle: c.caBundle),
            IMDSCredentialProvider(env: c.env, profile: c.profile, engine: c.engine),
        ])
    }
}
