/// Credentials for an IAM Identity Center (SSO) profile, from the token
/// that `aws sso login` left in the CLI's cache: what developers' machines
/// use. Both spellings of the profile:
///
///     [profile dev]                      [profile dev]
///     sso_session = corp                 sso_start_url = https://corp.awsapps.com/start
///     sso_account_id = 123456789012      sso_region = eu-west-1
///     sso_role_name = Developer          sso_account_id = 123456789012
///     [sso-session corp]                 sso_role_name = Developer
///     sso_start_url = https://...
///     sso_region = eu-west-1
///
/// The token is read from ~/.aws/sso/cache/<sha1 of the session name, or
/// of the start URL>.json on every refresh, and exchanged at the SSO
/// portal (GetRoleCredentials: https://portal.sso.<sso_region>..., or
/// AWS_ENDPOINT_URL_SSO and the other configured-endpoint settings) for the
/// role's temporary credentials. An expired token is not renewed here: the
/// message says to run `aws sso login` again.
struct SSOCredentialProvider: CredentialProvider {
    struct Settings: Sendable, Equatable {
        var accountId: String
        var roleName: String
        var region: String
        /// What names the cache file: the sso-session name, or the start URL.
        var cacheKey: String
        /// How to say which sign-in to renew: `--sso-session x` or `--profile x`.
        var loginHint: String
    }

    let profileName: String
    let settings: Result<Settings, StoreError>
    let env: Environment
    let portalURL: String?
    let fetcher: CredentialFetcher
    var name: String { "SSO (profile \(profileName))" }

    /// nil when the profile is not an SSO profile.
    init?(profileName: String, profile: SharedConfig.Section, config: SharedConfig, env: Environment,
          engine: IOEngine, caBundle: String?) {
        guard let settings = SSOCredentialProvider.settings(profileName: profileName, profile: profile, config: config)
        else { return nil }
        self.profileName = profileName
        self.settings = settings
        self.env = env
        self.portalURL = Resolution.configuredURL(service: "sso", env: env, config: config, profile: profile)
        self.fetcher = CredentialFetcher(engine: engine, connectTimeoutMillis: 3000, timeoutMillis: 10000,
                                         attempts: 3, caBundle: caBundle)
    }

    /// A profile's SSO settings; nil when it has none of them.
    static func settings(profileName: String, profile: SharedConfig.Section,
                         config: SharedConfig) -> Result<Settings, StoreError>? {
        func value(_ section: SharedConfig.Section?, _ key: String) -> String? {
            section?[key].flatMap { $0.isEmpty ? nil : $0 }
        }
        let sessionName = value(profile, "sso_session")
        guard sessionName != nil || value(profile, "sso_start_url") != nil else { return nil }
        func failure(_ what: String) -> Result<Settings, StoreError> {
            .failure(StoreError(.credentials, "SSO profile \(profileName): \(what)"))
        }
        guard let account = value(profile, "sso_account_id"), let role = value(profile, "sso_role_name") else {
            return failure("needs sso_account_id and sso_role_name")
        }
        if let sessionName {
            guard let session = config.ssoSessions[sessionName] else {
                return failure("names sso_session \(sessionName), which has no [sso-session \(sessionName)] section")
            }
            guard let region = value(session, "sso_region"), value(session, "sso_start_url") != nil else {
                return failure("[sso-session \(sessionName)] needs sso_start_url and sso_region")
            }
            return .success(Settings(accountId: account, roleName: role, region: region, cacheKey: sessionName,
                                     loginHint: "--sso-session \(sessionName)"))
        }
        guard let startURL = value(profile, "sso_start_url"), let region = value(profile, "sso_region") else {
            return failure("needs sso_region with sso_start_url")
        }
        return .success(Settings(accountId: account, roleName: role, region: region, cacheKey: startURL,
                                 loginHint: "--profile \(profileName)"))
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        let settings: Settings
        switch self.settings {
        case .failure(let error): return completion(.failed(error))
        case .success(let found): settings = found
        }
        let token: String
        switch cachedToken(settings, now: Clock.epochSeconds()) {
        case .failure(let error): return completion(.failed(error))
        case .success(let found): token = found
        }
        let base: String
        do throws(StoreError) {
            if let portalURL {
                base = try Endpoint(parsing: portalURL).url
            } else {
                base = try Endpoint.forRegion(settings.region, service: "portal.sso").url
            }
        } catch {
            return completion(.failed(StoreError(.credentials, "SSO portal endpoint: \(error.message)")))
        }
        let query = "role_name=" + WebIdentityCredentialProvider.percentEncoded(settings.roleName)
            + "&account_id=" + WebIdentityCredentialProvider.percentEncoded(settings.accountId)
        let url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/federation/credentials?" + query
        let hint = settings.loginHint
        fetcher.fetch("GET", url, headers: [("x-amz-sso_bearer_token", token)]) { result in
            let failure = { (what: String) in
                completion(.failed(StoreError(.credentials,
                    "SSO GetRoleCredentials (profile \(profileName)) failed: \(Redaction.scrub(what, [token]))")))
            }
            switch result {
            case .failure(let error):
                failure(error.message)
            case .success(let response) where response.status == 401 || response.status == 403:
                failure("the portal refused the sign-in (HTTP \(response.status)); run `aws sso login \(hint)`")
            case .success(let response) where response.status != 200:
                failure("HTTP \(response.status)")
            case .success(let response):
                switch SSOCredentialProvider.roleCredentials(response.body, now: Clock.epochSeconds()) {
                case .success(let credentials): completion(.found(credentials))
                case .failure(let error): failure(error.message)
                }
            }
        }
    }

    /// The cached access token, while it is valid.
    func cachedToken(_ settings: Settings, now: Double) -> Result<String, StoreError> {
        let path = env.expandingHome("~/.aws/sso/cache/\(Digest.sha1Hex(settings.cacheKey)).json")
        let login = "run `aws sso login \(settings.loginHint)`"
        let text: [UInt8]
        do throws(FileReader.Failure) {
            text = Array(try FileReader.string(at: path).utf8)
        } catch {
            switch error {
            case .missing:
                return .failure(StoreError(.credentials, "SSO profile \(profileName) has not signed in (no \(path)): \(login)"))
            case .unreadable(let why):
                return .failure(StoreError(.credentials, why))
            }
        }
        guard let json = try? JSON.parse(text), let token = json["accessToken"]?.stringValue, !token.isEmpty,
              let expiresText = json["expiresAt"]?.stringValue else {
            return .failure(StoreError(.credentials, "SSO token cache \(path) has no accessToken and expiresAt: \(login)"))
        }
        // Older CLIs wrote "2024-01-01T00:00:00UTC".
        let normalized = expiresText.hasSuffix("UTC") ? String(expiresText.dropLast(3)) + "Z" : expiresText
        guard let expires = ISO8601.epochSeconds(normalized) else {
            return .failure(StoreError(.credentials, "SSO token cache \(path) has an unreadable expiresAt: \(login)"))
        }
        guard expires > now + 60 else {
            return .failure(StoreError(.credentials, "the SSO sign-in of profile \(profileName) has expired: \(login)"))
        }
        return .success(token)
    }

    /// `{"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken",
    /// "expiration": epoch milliseconds}}`.
    static func roleCredentials(_ body: [UInt8], now: Double) -> Result<Credentials, StoreError> {
        guard let json = try? JSON.parse(body), let role = json["roleCredentials"] else {
            return .failure(StoreError(.credentials, "the portal's answer has no roleCredentials"))
        }
        guard let key = role["accessKeyId"]?.stringValue, !key.isEmpty,
              let secret = role["secretAccessKey"]?.stringValue, !secret.isEmpty,
              let token = role["sessionToken"]?.stringValue, !token.isEmpty else {
            return .failure(StoreError(.credentials, "the portal's roleCredentials lack a key, secret or session token"))
        }
        guard let millis = role["expiration"]?.doubleValue, millis.isFinite, millis / 1000 > now else {
            return .failure(StoreError(.credentials, "the portal's roleCredentials have no future expiration"))
        }
        return .success(Credentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token,
                                    expiration: millis / 1000))
    }
}
