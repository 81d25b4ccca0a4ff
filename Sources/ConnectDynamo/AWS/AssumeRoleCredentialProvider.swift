/// Credentials for a role assumed with STS AssumeRole, signed with the
/// credentials of a source: the SDKs' role profiles.
///
///     [profile app]
///     role_arn = arn:aws:iam::123456789012:role/app
///     source_profile = base          (or: credential_source = Ec2InstanceMetadata)
///     external_id = ...              (optional)
///     role_session_name = ...        (optional)
///     duration_seconds = 3600        (optional, 900 to 43200)
///
/// The source is loaded afresh on every refresh (it may itself be a role,
/// or temporary), then AssumeRole goes to STS's query protocol: a
/// form-encoded POST signed with SigV4 for service "sts" in the store's
/// region, to the STS endpoint (AWS_ENDPOINT_URL_STS and the other
/// configured-endpoint settings, else https://sts.<region>...).
struct AssumeRoleCredentialProvider: CredentialProvider {
    struct Settings: Sendable {
        var roleArn: String
        var sessionName: String?
        var externalId: String?
        var durationSeconds: Int?
    }

    let settings: Settings
    let source: CredentialProvider
    let label: String
    let region: String
    let stsURL: Result<String, StoreError>
    let fetcher: CredentialFetcher
    var name: String { label }

    init(settings: Settings, source: CredentialProvider, label: String, region: String,
         stsURL: Result<String, StoreError>, engine: IOEngine, caBundle: String?) {
        self.settings = settings
        self.source = source
        self.label = label
        self.region = region
        self.stsURL = stsURL
        self.fetcher = CredentialFetcher(engine: engine, connectTimeoutMillis: 3000, timeoutMillis: 10000,
                                         attempts: 3, caBundle: caBundle)
    }

    /// A role profile's settings; the profile must have role_arn.
    static func settings(profileName: String, profile: SharedConfig.Section) -> Result<Settings, StoreError> {
        guard let role = profile["role_arn"].nonEmpty else {
            return .failure(StoreError(.credentials, "profile \(profileName) has no role_arn"))
        }
        if profile["mfa_serial"].nonEmpty != nil {
            return .failure(StoreError(.credentials,
                "profile \(profileName) needs an MFA code (mfa_serial), which a server cannot type in"))
        }
        var duration: Int?
        if let text = profile["duration_seconds"].nonEmpty {
            guard let seconds = Int(text), (900...43200).contains(seconds) else {
                return .failure(StoreError(.credentials,
                    "profile \(profileName): duration_seconds must be a whole number from 900 to 43200"))
            }
            duration = seconds
        }
        return .success(Settings(roleArn: role, sessionName: profile["role_session_name"].nonEmpty,
                                 externalId: profile["external_id"].nonEmpty, durationSeconds: duration))
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        source.load { result in
            switch result {
            case .notConfigured:
                completion(.failed(StoreError(.credentials,
                    "\(label): its source (\(source.name)) has no credentials")))
            case .failed(let error):
                completion(.failed(StoreError(.credentials, "\(label): source \(source.name): \(error.message)")))
            case .found(let sourceCredentials):
                assume(with: sourceCredentials, completion)
            }
        }
    }

    private func assume(with sourceCredentials: Credentials, _ completion: @escaping (ProviderResult) -> Void) {
        let endpoint: Endpoint
        do throws(StoreError) {
            endpoint = try Endpoint(parsing: stsURL.get())
        } catch {
            return completion(.failed(error))
        }
        var form = [
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", settings.roleArn),
            ("RoleSessionName", settings.sessionName ?? "connect-dynamo-\(Int64(Clock.epochSeconds()))"),
        ]
        if let external = settings.externalId { form.append(("ExternalId", external)) }
        if let duration = settings.durationSeconds { form.append(("DurationSeconds", String(duration))) }
        let body = WebIdentityCredentialProvider.formBody(form)
        let headers = SigV4(region: region, service: "sts").sign(
            method: "POST", path: endpoint.path,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                      ("Host", endpoint.hostHeader)],
            body: body, credentials: sourceCredentials, time: Int64(Clock.epochSeconds()))
        let secrets = Redaction.secrets(of: sourceCredentials)
        fetcher.fetch("POST", endpoint.url, headers: headers + [("Accept", "text/xml")], body: body) { [settings] result in
            switch STSResponse.outcome(result, now: Clock.epochSeconds()) {
            case .success(let credentials):
                completion(.found(credentials))
            case .failure(let error):
                completion(.failed(StoreError(.credentials,
                    "STS AssumeRole for \(settings.roleArn) at \(endpoint.url) failed: \(Redaction.scrub(error.message, secrets))")))
            }
        }
    }
}
