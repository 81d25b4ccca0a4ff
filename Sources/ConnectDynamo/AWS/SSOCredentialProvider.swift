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
/// The token is read from the CLI's cache (SSOTokenCache) on every refresh
/// and exchanged at the SSO portal (GetRoleCredentials:
/// https://portal.sso.<sso_region>..., or AWS_ENDPOINT_URL_SSO and the other
/// configured-endpoint settings) for the role's temporary credentials.
/// Within 15 minutes of its expiry, a token from an sso-session sign-in is
/// renewed with SSO OIDC (https://oidc.<sso_region>..., or
/// AWS_ENDPOINT_URL_SSO_OIDC) and written back, as the CLI does; one that
/// cannot be renewed is used while it lasts, and after that the message
/// says to run `aws sso login` again.
struct SSOCredentialProvider: CredentialProvider {
    struct Settings: Sendable, Equatable {
        var accountId: String
        var roleName: String
        var region: String
        /// What names the cache file: the sso-session name, or the start URL.
        var cacheKey: String
        /// How to say which sign-in to renew: `--sso-session x` or `--profile x`.
        var loginHint: String
        /// Whether the client may renew the token itself: sso-session
        /// sign-ins only, as in the SDKs.
        var renewable: Bool
    }

    let profileName: String
    let settings: Result<Settings, StoreError>
    let env: Environment
    let portalURL: String?
    let oidcURL: String?
    let fetcher: CredentialFetcher
    /// Tokens this close to their expiry are renewed first (the SDKs' window).
    static let refreshWindowSeconds = 15.0 * 60
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
        self.oidcURL = Resolution.configuredURL(service: "sso_oidc", env: env, config: config, profile: profile)
        self.fetcher = CredentialFetcher(engine: engine, connectTimeoutMillis: 3000, timeoutMillis: 10000,
                                         attempts: 3, caBundle: caBundle)
    }

    /// A profile's SSO settings; nil when it has none of them.
    static func settings(profileName: String, profile: SharedConfig.Section,
                         config: SharedConfig) -> Result<Settings, StoreError>? {
        let sessionName = profile["sso_session"].nonEmpty
        guard sessionName != nil || profile["sso_start_url"].nonEmpty != nil else { return nil }
        func failure(_ what: String) -> Result<Settings, StoreError> {
            .failure(StoreError(.credentials, "SSO profile \(profileName): \(what)"))
        }
        guard let account = profile["sso_account_id"].nonEmpty, let role = profile["sso_role_name"].nonEmpty else {
            return failure("needs sso_account_id and sso_role_name")
        }
        if let sessionName {
            guard let session = config.ssoSessions[sessionName] else {
                return failure("names sso_session \(sessionName), which has no [sso-session \(sessionName)] section")
            }
            guard let region = session["sso_region"].nonEmpty, session["sso_start_url"].nonEmpty != nil else {
                return failure("[sso-session \(sessionName)] needs sso_start_url and sso_region")
            }
            return .success(Settings(accountId: account, roleName: role, region: region, cacheKey: sessionName,
                                     loginHint: "--sso-session \(sessionName)", renewable: true))
        }
        guard let startURL = profile["sso_start_url"].nonEmpty, let region = profile["sso_region"].nonEmpty else {
            return failure("needs sso_region with sso_start_url")
        }
        return .success(Settings(accountId: account, roleName: role, region: region, cacheKey: startURL,
                                 loginHint: "--profile \(profileName)", renewable: false))
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        let settings: Settings
        switch self.settings {
        case .failure(let error): return completion(.failed(error))
        case .success(let found): settings = found
        }
        let login = "run `aws sso login \(settings.loginHint)`"
        let cache = SSOTokenCache(key: settings.cacheKey, env: env)
        let now = Clock.epochSeconds()
        let entry: SSOTokenCache.Entry
        do throws(SSOTokenCache.ReadFailure) {
            entry = try cache.read(now: now)
        } catch {
            switch error {
            case .missing:
                return completion(.failed(StoreError(.credentials,
                    "SSO profile \(profileName) has not signed in (no \(cache.path)): \(login)")))
            case .unusable(let why):
                return completion(.failed(StoreError(.credentials, "SSO token cache: \(why): \(login)")))
            }
        }
        guard entry.expiresAt <= now + SSOCredentialProvider.refreshWindowSeconds, settings.renewable,
              let refresh = entry.refresh else {
            guard entry.expiresAt > now + 60 else {
                return completion(.failed(StoreError(.credentials,
                    "the SSO sign-in of profile \(profileName) has expired: \(login)")))
            }
            return fetchRoleCredentials(settings, token: entry.accessToken, completion)
        }
        renew(entry, refresh, settings: settings, cache: cache) { renewed in
            switch renewed {
            case .success(let token):
                fetchRoleCredentials(settings, token: token, completion)
            case .failure where entry.expiresAt > Clock.epochSeconds() + 60:
                // The old token still works for a while; renewal is tried again next time.
                fetchRoleCredentials(settings, token: entry.accessToken, completion)
            case .failure(let error):
                completion(.failed(StoreError(.credentials,
                    "the SSO sign-in of profile \(profileName) has expired and could not be renewed "
                        + "(\(error.message)): \(login)")))
            }
        }
    }

    /// SSO OIDC CreateToken with the refresh token; the new access token,
    /// once written back to the cache.
    private func renew(_ entry: SSOTokenCache.Entry, _ refresh: SSOTokenCache.Refresh, settings: Settings,
                       cache: SSOTokenCache, _ completion: @escaping (Result<String, StoreError>) -> Void) {
        let url: String
        do throws(StoreError) {
            url = try SSOCredentialProvider.url(configured: oidcURL, service: "oidc", region: settings.region,
                                                path: "/token")
        } catch {
            return completion(.failure(error))
        }
        let body = JSON.obj([
            "grantType": "refresh_token",
            "clientId": .string(refresh.clientId),
            "clientSecret": .string(refresh.clientSecret),
            "refreshToken": .string(refresh.refreshToken),
        ]).encoded()
        let secrets = [refresh.clientSecret, refresh.refreshToken, entry.accessToken]
        fetcher.fetch("POST", url, headers: [("Content-Type", "application/json")], body: body) { result in
            func failure(_ what: String) {
                completion(.failure(StoreError(.credentials, "SSO OIDC CreateToken: \(Redaction.scrub(what, secrets))")))
            }
            switch result {
            case .failure(let error):
                return failure(error.message)
            case .success(let response) where response.status != 200:
                let code = (try? JSON.parse(response.body))?["error"]?.stringValue
                return failure("HTTP \(response.status)" + (code.map { " " + CredentialDocument.printable($0) } ?? ""))
            case .success(let response):
                guard let answer = try? JSON.parse(response.body),
                      let token = answer["accessToken"]?.stringValue, !token.isEmpty,
                      let lifetime = answer["expiresIn"]?.doubleValue, lifetime.isFinite, lifetime > 0 else {
                    return failure("the answer has no accessToken and expiresIn")
                }
                var renewed = entry
                renewed.accessToken = token
                renewed.expiresAt = Clock.epochSeconds() + lifetime
                if let rotated = answer["refreshToken"]?.stringValue, !rotated.isEmpty {
                    renewed.refresh?.refreshToken = rotated
                }
                // A cache that cannot be written only costs a renewal next time.
                _ = cache.write(renewed)
                completion(.success(token))
            }
        }
    }

    /// `path` at the configured endpoint, else at https://<service>.<region>...
    static func url(configured: String?, service: String, region: String, path: String) throws(StoreError) -> String {
        let base: String
        if let configured {
            base = try Endpoint(parsing: configured).url
        } else {
            base = try Endpoint.forRegion(region, service: service).url
        }
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }

    /// GetRoleCredentials with `token`.
    private func fetchRoleCredentials(_ settings: Settings, token: String, _ completion: @escaping (ProviderResult) -> Void) {
        let query = "role_name=" + WebIdentityCredentialProvider.percentEncoded(settings.roleName)
            + "&account_id=" + WebIdentityCredentialProvider.percentEncoded(settings.accountId)
        let url: String
        do throws(StoreError) {
            url = try SSOCredentialProvider.url(configured: portalURL, service: "portal.sso", region: settings.region,
                                                path: "/federation/credentials?" + query)
        } catch {
            return completion(.failed(StoreError(.credentials, "SSO portal endpoint: \(error.message)")))
        }
        let hint = settings.loginHint
        fetcher.fetch("GET", url, headers: [("x-amz-sso_bearer_token", token)]) { [profileName] result in
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
