/// Credentials from a profile of the shared files, in the SDKs' order of
/// precedence within a profile: a role (role_arn, assumed with the
/// profile's web_identity_token_file), then static keys
/// (aws_access_key_id / aws_secret_access_key / aws_session_token), then
/// credential_process.
///
/// A role assumed from a source_profile or credential_source (STS
/// AssumeRole, signed) is not supported yet; such a profile fails loudly
/// rather than fall through to other sources.
struct ProfileCredentialProvider: CredentialProvider {
    let profileName: String
    let profile: SharedConfig.Section?
    let webIdentity: WebIdentityCredentialProvider?
    let process: ProcessCredentialProvider?

    var name: String { "profile \(profileName)" }

    /// - Parameters:
    ///   - webIdentity: the provider for this profile's role, when it has
    ///     role_arn and web_identity_token_file.
    ///   - process: the provider for its credential_process, when set.
    init(profileName: String, profile: SharedConfig.Section?,
         webIdentity: WebIdentityCredentialProvider? = nil, process: ProcessCredentialProvider? = nil) {
        self.profileName = profileName
        self.profile = profile
        self.webIdentity = webIdentity
        self.process = process
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        guard let profile else { return completion(.notConfigured) }
        if let role = profile["role_arn"], !role.isEmpty {
            if let webIdentity { return webIdentity.load(completion) }
            return completion(.failed(StoreError(.credentials,
                "profile \(profileName) has role_arn without web_identity_token_file; assuming a role from "
                    + "source_profile or credential_source is not supported")))
        }
        if let key = profile["aws_access_key_id"], !key.isEmpty {
            guard let secret = profile["aws_secret_access_key"], !secret.isEmpty else {
                return completion(.failed(StoreError(.credentials,
                    "profile \(profileName) has aws_access_key_id but no aws_secret_access_key")))
            }
            return completion(.found(Credentials(
                accessKeyId: key, secretAccessKey: secret,
                sessionToken: profile["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 })))
        }
        if let process { return process.load(completion) }
        completion(.notConfigured)
    }
}
