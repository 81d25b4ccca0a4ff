/// The credential sources a store uses when none are given explicitly, in
/// the AWS SDKs' default order:
///
///  1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
///     (skipped when the options name a profile, as botocore does)
///  2. web identity from the environment: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
///  3. the profile: a role (web identity, or AssumeRole from source_profile
///     or credential_source), SSO, static keys, credential_process
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
        /// The profile was named in the options: as with botocore's
        /// explicit profile, the environment's keys are not used then (a
        /// role profile's credential_source = Environment still can).
        var explicitProfile = false
    }

    static func make(_ c: Context) -> CredentialProvider {
        let stsURL = WebIdentityCredentialProvider.stsURL(region: c.region, env: c.env, config: c.config,
                                                          profile: c.profile)
        let envWebIdentity = WebIdentityCredentialProvider(
            settings: WebIdentityCredentialProvider.settings(env: c.env), label: "web identity (environment)",
            stsURL: stsURL, engine: c.engine, caBundle: c.caBundle)
        let providers: [CredentialProvider?] = [
            c.explicitProfile ? nil : EnvironmentCredentialProvider(env: c.env),
            envWebIdentity,
            profileProvider(c.profileName, c.profile, c, stsURL: stsURL, visited: []),
            ContainerCredentialProvider(env: c.env, engine: c.engine, caBundle: c.caBundle),
            IMDSCredentialProvider(env: c.env, profile: c.profile, engine: c.engine),
        ]
        return CredentialChain(providers: providers.compactMap { $0 })
    }

    /// A profile's provider; `visited` are the profiles whose roles led
    /// here through source_profile.
    static func profileProvider(_ name: String, _ profile: SharedConfig.Section?, _ c: Context,
                                stsURL: Result<String, StoreError>, visited: [String]) -> ProfileCredentialProvider {
        let process = profile?["credential_process"].flatMap { command in
            command.trimmingWhitespace().isEmpty ? nil
                : ProcessCredentialProvider(command: command, profileName: name, engine: c.engine)
        }
        var role: Result<CredentialProvider, StoreError>?
        if let profile, let arn = profile["role_arn"], !arn.isEmpty {
            role = roleProvider(name, profile, c, stsURL: stsURL, visited: visited)
        }
        let sso = profile.flatMap {
            SSOCredentialProvider(profileName: name, profile: $0, config: c.config, env: c.env,
                                  engine: c.engine, caBundle: c.caBundle)
        }
        return ProfileCredentialProvider(profileName: name, profile: profile, role: role, sso: sso, process: process)
    }

    /// The longest source_profile chain followed (the SDKs allow long ones;
    /// a longer one is a mistake, not a design).
    static let maximumRoleChain = 8

    /// How a profile with role_arn gets its credentials: web identity when
    /// it names a token file, else AssumeRole signed by its source.
    static func roleProvider(_ name: String, _ profile: SharedConfig.Section, _ c: Context,
                             stsURL: Result<String, StoreError>, visited: [String]) -> Result<CredentialProvider, StoreError> {
        if let web = WebIdentityCredentialProvider.settings(profile: profile) {
            return .success(WebIdentityCredentialProvider(settings: web, label: "web identity (profile \(name))",
                                                          stsURL: stsURL, engine: c.engine, caBundle: c.caBundle))
        }
        let settings: AssumeRoleCredentialProvider.Settings
        switch AssumeRoleCredentialProvider.settings(profileName: name, profile: profile) {
        case .success(let found): settings = found
        case .failure(let error): return .failure(error)
        }
        let source: CredentialProvider
        switch (profile["source_profile"].nonEmpty, profile["credential_source"].nonEmpty) {
        case (.some, .some):
            return .failure(StoreError(.credentials,
                "profile \(name) has both source_profile and credential_source; it must have one"))
        case (.some(let sourceName), nil) where sourceName == name:
            // A profile that is its own source signs with its own keys.
            source = ProfileCredentialProvider(profileName: name, profile: profile)
        case (.some(let sourceName), nil):
            let chain = visited + [name]
            if chain.contains(sourceName) {
                return .failure(StoreError(.credentials,
                    "profiles \((chain + [sourceName]).joined(separator: " -> ")) form a cycle of source_profile"))
            }
            if chain.count >= maximumRoleChain {
                return .failure(StoreError(.credentials,
                    "profile \(name): more than \(maximumRoleChain) roles chained through source_profile"))
            }
            guard let sourceProfile = c.config.profile(sourceName) else {
                return .failure(StoreError(.credentials,
                    "profile \(name) names source_profile \(sourceName), which is not in the shared AWS files"))
            }
            source = profileProvider(sourceName, sourceProfile, c, stsURL: stsURL, visited: chain)
        case (nil, .some(let kind)):
            switch kind {
            case "Environment": source = EnvironmentCredentialProvider(env: c.env)
            case "Ec2InstanceMetadata": source = IMDSCredentialProvider(env: c.env, profile: profile, engine: c.engine)
            case "EcsContainer": source = ContainerCredentialProvider(env: c.env, engine: c.engine, caBundle: c.caBundle)
            default:
                return .failure(StoreError(.credentials,
                    "profile \(name): credential_source \(kind) is not one of Environment, Ec2InstanceMetadata, EcsContainer"))
            }
        case (nil, nil):
            return .failure(StoreError(.credentials,
                "profile \(name) has role_arn but no source_profile, credential_source or web_identity_token_file"))
        }
        return .success(AssumeRoleCredentialProvider(
            settings: settings, source: source, label: "role \(settings.roleArn) (profile \(name))",
            region: c.region, stsURL: stsURL, engine: c.engine, caBundle: c.caBundle))
    }
}
