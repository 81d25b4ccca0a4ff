/// Credentials for a role, from STS AssumeRoleWithWebIdentity with an OIDC
/// token read from a file: EKS IAM roles for service accounts, GitHub
/// Actions and the like. Configured by AWS_WEB_IDENTITY_TOKEN_FILE and
/// AWS_ROLE_ARN (with AWS_ROLE_SESSION_NAME), or by a profile's
/// web_identity_token_file and role_arn (with role_session_name).
///
/// The call is STS's query protocol, unsigned (the token is the proof):
/// a form-encoded POST to the STS endpoint (AWS_ENDPOINT_URL_STS and the
/// other configured-endpoint settings, else https://sts.<region>...),
/// answered in XML. The token file is read on every refresh, because the
/// platform rotates it.
struct WebIdentityCredentialProvider: CredentialProvider {
    struct Settings: Sendable {
        var tokenFile: String
        var roleArn: String
        var sessionName: String?
    }

    let settings: Settings?
    let label: String
    let stsURL: Result<String, StoreError>
    let fetcher: CredentialFetcher
    var name: String { label }

    /// - Parameters:
    ///   - settings: nil when this source is not configured.
    ///   - stsURL: where AssumeRoleWithWebIdentity goes, or why it cannot.
    init(settings: Settings?, label: String, stsURL: Result<String, StoreError>,
         engine: IOEngine, caBundle: String?) {
        self.settings = settings
        self.label = label
        self.stsURL = stsURL
        self.fetcher = CredentialFetcher(engine: engine, connectTimeoutMillis: 3000, timeoutMillis: 10000,
                                         attempts: 3, caBundle: caBundle)
    }

    /// The environment's settings, when both variables are set (the SDKs
    /// ignore one without the other).
    static func settings(env: Environment) -> Settings? {
        guard let file = env["AWS_WEB_IDENTITY_TOKEN_FILE"], let role = env["AWS_ROLE_ARN"] else { return nil }
        return Settings(tokenFile: file, roleArn: role, sessionName: env["AWS_ROLE_SESSION_NAME"])
    }

    /// A profile's settings, when it names a role and a token file.
    static func settings(profile: SharedConfig.Section?) -> Settings? {
        guard let profile, let role = profile["role_arn"], !role.isEmpty,
              let file = profile["web_identity_token_file"], !file.isEmpty else { return nil }
        return Settings(tokenFile: file, roleArn: role,
                        sessionName: profile["role_session_name"].nonEmpty)
    }

    /// STS's URL for a region and configuration.
    static func stsURL(region: String, env: Environment, config: SharedConfig,
                       profile: SharedConfig.Section?) -> Result<String, StoreError> {
        do throws(StoreError) {
            if let url = Resolution.configuredURL(service: "sts", env: env, config: config, profile: profile) {
                return .success(try Endpoint(parsing: url).url)
            }
            return .success(try Endpoint.forRegion(region, service: "sts").url)
        } catch {
            return .failure(StoreError(.credentials, "STS endpoint: \(error.message)"))
        }
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        guard let settings else { return completion(.notConfigured) }
        let url: String
        switch stsURL {
        case .failure(let error): return completion(.failed(error))
        case .success(let resolved): url = resolved
        }
        let token: String
        do throws(FileReader.Failure) {
            token = try FileReader.string(at: settings.tokenFile).trimmingWhitespace()
        } catch {
            switch error {
            case .missing:
                return completion(.failed(StoreError(.credentials, "web identity token file \(settings.tokenFile) does not exist")))
            case .unreadable(let why):
                return completion(.failed(StoreError(.credentials, why)))
            }
        }
        guard !token.isEmpty else {
            return completion(.failed(StoreError(.credentials, "web identity token file \(settings.tokenFile) is empty")))
        }
        let sessionName = settings.sessionName ?? "connect-dynamo-\(Int64(Clock.epochSeconds()))"
        let body = WebIdentityCredentialProvider.formBody([
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", settings.roleArn),
            ("RoleSessionName", sessionName),
            ("WebIdentityToken", token),
        ])
        let role = settings.roleArn
        fetcher.fetch("POST", url, headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                                             ("Accept", "text/xml")],
                      body: body) { result in
            switch STSResponse.outcome(result, now: Clock.epochSeconds()) {
            case .success(let credentials):
                completion(.found(credentials))
            case .failure(let error):
                completion(.failed(StoreError(.credentials,
                    "STS AssumeRoleWithWebIdentity for \(role) at \(url) failed: \(Redaction.scrub(error.message, [token]))")))
            }
        }
    }

    /// application/x-www-form-urlencoded, every byte but RFC 3986's
    /// unreserved characters percent-encoded (as the SDKs' query protocol).
    static func formBody(_ pairs: [(String, String)]) -> [UInt8] {
        Array(pairs.map { percentEncoded($0.0) + "=" + percentEncoded($0.1) }.joined(separator: "&").utf8)
    }

    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
