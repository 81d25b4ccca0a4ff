/// Where requests go: the URL curl is given and the Host header SigV4 signs.
public struct Endpoint: Sendable, Equatable {
    public let url: String
    public let scheme: String
    /// host[:port] exactly as sent in the Host header (default port omitted).
    public let hostHeader: String
    public let path: String

    /// Parses "scheme://host[:port][/path]"; only http and https.
    public init(parsing text: String) throws(StoreError) {
        guard let sep = text.firstRange(of: "://") else {
            throw .invalid("endpoint \"\(text)\" is not a URL (scheme://host[:port])")
        }
        let scheme = text[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw .invalid("endpoint \"\(text)\": only http and https are supported")
        }
        let rest = text[sep.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = String(rest[..<authorityEnd])
        guard !authority.isEmpty, !authority.contains("@"),
              !authority.contains(where: { $0 == " " || $0.asciiValue.map { $0 < 0x20 } ?? false })
        else {
            throw .invalid("endpoint \"\(text)\" has no usable host")
        }
        guard Endpoint.isHostAndPort(authority) else {
            throw .invalid("endpoint \"\(text)\" needs a host and, if any, a port of 1-65535")
        }
        let defaultPort = scheme == "https" ? ":443" : ":80"
        if authority.hasSuffix(defaultPort) { authority.removeLast(defaultPort.count) }
        var path = String(rest[authorityEnd...])
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<cut]) }
        if path.isEmpty { path = "/" }
        self.scheme = scheme
        self.hostHeader = authority
        self.path = path
        self.url = "\(scheme)://\(authority)\(path)"
    }

    /// "host", "host:port", "[v6]" or "[v6]:port", with a port of 1-65535:
    /// what curl would otherwise refuse on every request instead of once.
    static func isHostAndPort(_ authority: String) -> Bool {
        var host = Substring(authority)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let after = host[host.index(after: close)...]
            host = host[...close]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return false }
                port = after.dropFirst()
            }
            guard host.count > 2 else { return false }
        } else if let colon = host.firstIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
            guard !host.isEmpty else { return false }
        }
        guard let port else { return true }
        guard (1...5).contains(port.utf8.count), port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let number = Int(port), (1...65535).contains(number)
        else { return false }
        return true
    }

    /// DynamoDB's public endpoint for a region.
    public static func forRegion(_ region: String) throws(StoreError) -> Endpoint {
        try forRegion(region, service: "dynamodb")
    }

    /// A service's regional endpoint, https://<service>.<region>.amazonaws.com
    /// (amazonaws.com.cn in the China regions).
    static func forRegion(_ region: String, service: String) throws(StoreError) -> Endpoint {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw .invalid("region \"\(region)\" is not a region name")
        }
        return try Endpoint(parsing: "https://\(service).\(region).\(suffix)")
    }
}

/// Region and endpoint, resolved in the SDKs' order.
enum Resolution {
    /// The region, checked wherever it came from (it is signed into every
    /// request, so a bad one would fail every call instead of the open).
    static func region(option: String?, env: Environment, profile: SharedConfig.Section?) throws(StoreError) -> String {
        let sources: [(String, String?)] = [
            ("region", option.nonEmpty), ("AWS_REGION", env["AWS_REGION"].nonEmpty),
            ("AWS_DEFAULT_REGION", env["AWS_DEFAULT_REGION"].nonEmpty),
            ("the profile's region", profile?["region"].nonEmpty),
        ]
        for case let (source, value?) in sources {
            try StoreOptions.checkRegion(value, from: source)
            return value
        }
        return "us-east-1"
    }

    /// The option; then AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, the
    /// profile's services section and endpoint_url (all skipped when
    /// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true); then the region's.
    static func endpoint(option: String?, region: String, env: Environment,
                         config: SharedConfig, profile: SharedConfig.Section?) throws(StoreError) -> Endpoint {
        if let option, !option.isEmpty { return try Endpoint(parsing: option) }
        if let url = configuredURL(service: "dynamodb", env: env, config: config, profile: profile) {
            return try Endpoint(parsing: url)
        }
        return try Endpoint.forRegion(region)
    }

    /// A service's configured endpoint URL, as the SDKs look for it:
    /// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
    /// `services` section, the profile's endpoint_url; nil when none is
    /// set or AWS_IGNORE_CONFIGURED_ENDPOINT_URLS says to ignore them.
    /// `service` is the lower-case key ("dynamodb", "sts").
    static func configuredURL(service: String, env: Environment, config: SharedConfig,
                              profile: SharedConfig.Section?) -> String? {
        let ignoreConfigured = env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
            || profile?["ignore_configured_endpoint_urls"]?.lowercased() == "true"
        if ignoreConfigured { return nil }
        if let url = env["AWS_ENDPOINT_URL_" + service.uppercased()] ?? env["AWS_ENDPOINT_URL"] {
            return url
        }
        if let servicesName = profile?["services"],
           let url = config.services[servicesName]?["\(service).endpoint_url"], !url.isEmpty {
            return url
        }
        if let url = profile?["endpoint_url"], !url.isEmpty { return url }
        return nil
    }
}
