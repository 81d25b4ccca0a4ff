/// Credentials of an EC2 instance's role from the instance metadata service,
/// IMDSv2 only (a session token first; IMDSv1's unauthenticated GETs are
/// what SSRF attacks use, so they are never sent):
///
///   PUT /latest/api/token  (X-aws-ec2-metadata-token-ttl-seconds)
///   GET /latest/meta-data/iam/security-credentials/         -> role name
///   GET /latest/meta-data/iam/security-credentials/<role>   -> JSON
///
/// The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT, the profile's
/// ec2_metadata_service_endpoint, or 169.254.169.254 (fd00:ec2::254 when
/// the endpoint mode is IPv6). AWS_EC2_METADATA_DISABLED=true turns it off.
/// Timeouts and attempts follow AWS_METADATA_SERVICE_TIMEOUT (seconds,
/// default 1) and AWS_METADATA_SERVICE_NUM_ATTEMPTS (default 1), as in the
/// SDKs: off EC2 this provider must give up quickly.
///
/// Its session token is cached; I/O-thread state.
final class IMDSCredentialProvider: CredentialProvider, @unchecked Sendable {
    static let tokenTTLSeconds = 21600
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"

    let env: Environment
    let profile: SharedConfig.Section?
    let fetcher: CredentialFetcher
    private var token: (value: String, validUntilMillis: Int64)?

    var name: String { "EC2 instance metadata" }

    init(env: Environment, profile: SharedConfig.Section?, engine: IOEngine) {
        self.env = env
        self.profile = profile
        let seconds = env["AWS_METADATA_SERVICE_TIMEOUT"].flatMap(Double.init).flatMap { $0 > 0 && $0 <= 60 ? $0 : nil } ?? 1
        let attempts = env["AWS_METADATA_SERVICE_NUM_ATTEMPTS"].flatMap(Int.init).map { min(max($0, 1), 10) } ?? 1
        fetcher = CredentialFetcher(engine: engine, connectTimeoutMillis: Int(seconds * 1000),
                                    timeoutMillis: Int(seconds * 1000), attempts: attempts, caBundle: nil)
    }

    var disabled: Bool {
        env["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
    }

    /// The service's base URL, without a trailing slash.
    var baseURL: String {
        let configured = env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? profile?["ec2_metadata_service_endpoint"]
        if let configured, !configured.isEmpty {
            return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        }
        let mode = env["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] ?? profile?["ec2_metadata_service_endpoint_mode"]
        return mode?.lowercased() == "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254"
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        guard !disabled else { return completion(.notConfigured) }
        withToken(refetch: false) { [self] result in
            switch result {
            case .failure(let error): completion(.failed(error))
            case .success(let token): fetchRole(token: token, retried: false, completion)
            }
        }
    }

    private func failure(_ what: String) -> ProviderResult {
        .failed(StoreError(.credentials, "EC2 instance metadata at \(baseURL): \(what)"))
    }

    private func withToken(refetch: Bool, _ completion: @escaping (Result<String, StoreError>) -> Void) {
        if !refetch, let token, token.validUntilMillis > Clock.monotonicMillis() {
            return completion(.success(token.value))
        }
        let requested = Clock.monotonicMillis()
        fetcher.fetch("PUT", baseURL + "/latest/api/token",
                      headers: [("X-aws-ec2-metadata-token-ttl-seconds", String(IMDSCredentialProvider.tokenTTLSeconds))]) { [self] result in
            switch result {
            case .failure(let error):
                completion(.failure(StoreError(.credentials,
                    "no AWS credentials found: none in the environment, the profile or a container, "
                        + "and EC2 instance metadata at \(baseURL) did not answer (not on EC2?): \(error.message)")))
            case .success(let response) where response.status != 200:
                completion(.failure(StoreError(.credentials,
                    "EC2 instance metadata at \(baseURL) refused a session token (HTTP \(response.status))")))
            case .success(let response):
                let value = String(decoding: response.body, as: UTF8.self).trimmingWhitespace()
                guard !value.isEmpty, !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
                    return completion(.failure(StoreError(.credentials,
                        "EC2 instance metadata at \(baseURL) returned an unusable session token")))
                }
                // Renewed a minute early, so a request never carries a token
                // that expires on the way.
                let lifetime = Int64(IMDSCredentialProvider.tokenTTLSeconds - 60) * 1000
                token = (value, requested &+ lifetime)
                completion(.success(value))
            }
        }
    }

    /// A 401 means the session token expired early (the service restarted):
    /// one new token, one more try.
    private func fetchRole(token: String, retried: Bool, _ completion: @escaping (ProviderResult) -> Void) {
        let headers = [("X-aws-ec2-metadata-token", token)]
        fetcher.fetch("GET", baseURL + IMDSCredentialProvider.credentialsPath, headers: headers) { [self] result in
            switch result {
            case .failure(let error):
                completion(failure("listing the instance role failed: \(Redaction.scrub(error.message, [token]))"))
            case .success(let response) where response.status == 401 && !retried:
                refetchToken { [self] token in fetchRole(token: token, retried: true, completion) } failed: { completion($0) }
            case .success(let response) where response.status == 404:
                completion(failure("the instance has no IAM role"))
            case .success(let response) where response.status != 200:
                completion(failure("listing the instance role answered HTTP \(response.status)"))
            case .success(let response):
                let role = String(decoding: response.body, as: UTF8.self)
                    .split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).first.map { $0.trimmingWhitespace() } ?? ""
                guard !role.isEmpty, role.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@_-".contains($0)) }) else {
                    return completion(failure("the instance role name is missing or malformed"))
                }
                fetchCredentials(role: role, token: token, retried: retried, completion)
            }
        }
    }

    private func fetchCredentials(role: String, token: String, retried: Bool,
                                  _ completion: @escaping (ProviderResult) -> Void) {
        let headers = [("X-aws-ec2-metadata-token", token)]
        fetcher.fetch("GET", baseURL + IMDSCredentialProvider.credentialsPath + role, headers: headers) { [self] result in
            switch result {
            case .failure(let error):
                completion(failure("fetching credentials of role \(role) failed: \(Redaction.scrub(error.message, [token]))"))
            case .success(let response) where response.status == 401 && !retried:
                refetchToken { [self] token in fetchCredentials(role: role, token: token, retried: true, completion) } failed: { completion($0) }
            case .success(let response) where response.status != 200:
                completion(failure("fetching credentials of role \(role) answered HTTP \(response.status)"))
            case .success(let response):
                switch CredentialDocument.parse(response.body, source: "EC2 instance metadata (role \(role))",
                                                tokenField: "Token", now: Clock.epochSeconds()) {
                case .success(let credentials): completion(.found(credentials))
                case .failure(let error): completion(.failed(error))
                }
            }
        }
    }

    private func refetchToken(_ then: @escaping (String) -> Void, failed: @escaping (ProviderResult) -> Void) {
        withToken(refetch: true) { result in
            switch result {
            case .success(let token): then(token)
            case .failure(let error): failed(.failed(error))
            }
        }
    }
}
