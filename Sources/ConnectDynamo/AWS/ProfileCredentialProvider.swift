/// Credentials from a profile of the shared files, in the SDKs' order of
/// precedence within a profile: a role (role_arn: assumed with the
/// profile's web_identity_token_file, or with AssumeRole signed by its
/// source_profile or credential_source), then SSO (sso_session or
/// sso_start_url), then static keys (aws_access_key_id /
/// aws_secret_access_key / aws_session_token), then credential_process. A role that cannot be set up (no source, a cycle of
/// source profiles, MFA) fails loudly rather than fall through to others.
struct ProfileCredentialProvider: CredentialProvider {
    let profileName: String
    let profile: SharedConfig.Section?
    let role: Result<CredentialProvider, StoreError>?
    let sso: SSOCredentialProvider?
    let process: ProcessCredentialProvider?

    var name: String { "profile \(profileName)" }

    /// - Parameters:
    ///   - role: the provider for this profile's role_arn, or why there can
    ///     be none; nil when it names no role.
    ///   - sso: the provider for its SSO settings, when it has them.
    ///   - process: the provider for its credential_process, when set.
    init(profileName: String, profile: SharedConfig.Section?,
         role: Result<CredentialProvider, StoreError>? = nil, sso: SSOCredentialProvider? = nil,
         process: ProcessCredentialProvider? = nil) {
        self.profileName = profileName
        self.profile = profile
        self.role = role
        self.sso = sso
        self.process = process
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        guard let profile else { return completion(.notConfigured) }
        switch role {
        case .success(let provider): return provider.load(completion)
        case .failure(let error): return completion(.failed(error))
        case nil: break
        }
        if let sso { return sso.load(completion) }
        if let key = profile["aws_access_key_id"], !key.isEmpty {
            guard let secret = profile["aws_secret_access_key"], !secret.isEmpty else {
                return completion(.failed(StoreError(.credentials,
                    "profile \(profileName) has aws_access_key_id but no aws_secret_access_key")))
            }
            return completion(.found(Credentials(
                accessKeyId: key, secretAccessKey: secret,
                sessionToken: profile["aws_session_token"].nonEmpty)))
        }
        if let process { return process.load(completion) }
        completion(.notConfigured)
    }
}
