/// Credentials from the container credentials service: ECS task roles
/// (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, served at 169.254.170.2) and
/// EKS Pod Identity or any local agent (AWS_CONTAINER_CREDENTIALS_FULL_URI,
/// with an authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
/// or AWS_CONTAINER_AUTHORIZATION_TOKEN).
///
/// A full URI over plain http must point at this machine or at the ECS/EKS
/// link-local agents, as in the SDKs: otherwise the token and the
/// credentials would cross a network in clear text.
struct ContainerCredentialProvider: CredentialProvider {
    static let ecsHost = "http://169.254.170.2"

    let env: Environment
    let fetcher: CredentialFetcher
    var name: String { "container" }

    init(env: Environment, engine: IOEngine, caBundle: String?) {
        self.env = env
        self.fetcher = CredentialFetcher(engine: engine, connectTimeoutMillis: 1000, timeoutMillis: 2000,
                                         attempts: 3, caBundle: caBundle)
    }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        let url: String
        switch ContainerCredentialProvider.url(env) {
        case .none: return completion(.notConfigured)
        case .some(.failure(let error)): return completion(.failed(error))
        case .some(.success(let resolved)): url = resolved
        }
        var headers: [(String, String)] = []
        switch authorization() {
        case .failure(let error): return completion(.failed(error))
        case .success(let token?): headers.append(("Authorization", token))
        case .success(nil): break
        }
        let secrets = headers.map(\.1)
        // Messages name scheme, host and path only: a query could carry a secret.
        let shown = (try? Endpoint(parsing: url).url) ?? "AWS_CONTAINER_CREDENTIALS_FULL_URI"
        fetcher.fetch("GET", url, headers: headers) { result in
            switch result {
            case .failure(let error):
                completion(.failed(StoreError(.credentials,
                    "container credentials service at \(shown) failed: \(Redaction.scrub(error.message, secrets))")))
            case .success(let response) where response.status != 200:
                completion(.failed(StoreError(.credentials,
                    "container credentials service at \(shown) answered HTTP \(response.status)")))
            case .success(let response):
                switch CredentialDocument.parse(response.body, source: "container credentials service",
                                                tokenField: "Token", now: Clock.epochSeconds()) {
                case .success(let credentials): completion(.found(credentials))
                case .failure(let error): completion(.failed(error))
                }
            }
        }
    }

    /// The service's URL: nil when neither variable is set; a failure for a
    /// full URI that is not allowed.
    static func url(_ env: Environment) -> Result<String, StoreError>? {
        if let relative = env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            return .success(ecsHost + path)
        }
        guard let full = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] else { return nil }
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(parsing: full)
        } catch {
            return .failure(StoreError(.credentials, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL"))
        }
        guard isAllowed(scheme: endpoint.scheme, hostHeader: endpoint.hostHeader) else {
            return .failure(StoreError(.credentials,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI host \(endpoint.hostHeader) is not allowed over http: "
                    + "use https, a loopback address, or the ECS/EKS agents (169.254.170.2, 169.254.170.23, fd00:ec2::23)"))
        }
        return .success(full)
    }

    /// The SDKs' rule: https anywhere; http only to loopback (127.0.0.0/8,
    /// ::1, localhost) or the ECS and EKS container agents.
    static func isAllowed(scheme: String, hostHeader: String) -> Bool {
        if scheme == "https" { return true }
        guard scheme == "http" else { return false }
        let host = hostName(hostHeader).lowercased()
        if ["localhost", "::1", "169.254.170.2", "169.254.170.23", "fd00:ec2::23"].contains(host) { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ o in
            !o.isEmpty && o.count <= 3 && o.allSatisfy(\.isASCII) && o.allSatisfy(\.isNumber)
                && (Int(o).map { $0 <= 255 } ?? false)
        }) else { return false }
        return octets[0] == "127"
    }

    /// "host", "host:port", "[v6]" or "[v6]:port" without port and brackets.
    static func hostName(_ hostHeader: String) -> String {
        if hostHeader.hasPrefix("["), let close = hostHeader.firstIndex(of: "]") {
            return String(hostHeader[hostHeader.index(after: hostHeader.startIndex)..<close])
        }
        if let colon = hostHeader.lastIndex(of: ":") { return String(hostHeader[..<colon]) }
        return hostHeader
    }

    /// The Authorization header value: the token file (read every time: the
    /// agent rotates it) wins over the variable. A value with a line break
    /// would smuggle headers, so it is refused.
    func authorization() -> Result<String?, StoreError> {
        var token: String?
        if let path = env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            do throws(FileReader.Failure) {
                token = try FileReader.string(at: path).trimmingWhitespace()
            } catch {
                switch error {
                case .missing:
                    return .failure(StoreError(.credentials, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(path) does not exist"))
                case .unreadable(let why):
                    return .failure(StoreError(.credentials, why))
                }
            }
        } else {
            token = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        }
        guard let token, !token.isEmpty else { return .success(nil) }
        guard !token.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return .failure(StoreError(.credentials, "the container authorization token contains a line break"))
        }
        return .success(token)
    }
}
