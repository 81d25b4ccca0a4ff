/// The shared AWS files (~/.aws/credentials and ~/.aws/config), parsed as
/// the SDKs do: `[name]` sections in the credentials file, `[default]`,
/// `[profile name]`, `[sso-session name]` and `[services name]` sections in
/// the config file,
/// `key = value` lines, `#`/`;` comments, and indented sub-properties under
/// a key with an empty value (`dynamodb =` then `  endpoint_url = ...`).
public struct SharedConfig: Sendable {
    public typealias Section = [String: String]

    /// Profile name -> settings; credentials-file values win over config.
    public private(set) var profiles: [String: Section] = [:]
    /// `[services name]` sections, keys flattened as "dynamodb.endpoint_url".
    public private(set) var services: [String: Section] = [:]
    /// `[sso-session name]` sections (IAM Identity Center sign-in settings).
    public private(set) var ssoSessions: [String: Section] = [:]

    public init() {}

    /// Loads the files named by the environment (AWS_SHARED_CREDENTIALS_FILE,
    /// AWS_CONFIG_FILE, else under ~/.aws). Missing files are fine; an
    /// unreadable one is an error.
    public static func load(_ env: Environment) throws(StoreError) -> SharedConfig {
        var config = SharedConfig()
        let configPath = env.expandingHome(env["AWS_CONFIG_FILE"] ?? "~/.aws/config")
        let credentialsPath = env.expandingHome(env["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
        for (path, isConfig) in [(configPath, true), (credentialsPath, false)] {
            do throws(FileReader.Failure) {
                config.merge(text: try FileReader.string(at: path), isConfigFile: isConfig)
            } catch {
                switch error {
                case .missing: continue
                case .unreadable(let why): throw StoreError(.credentials, why)
                }
            }
        }
        return config
    }

    public func profile(_ name: String) -> Section? { profiles[name] }

    /// Adds a file's sections. Config files name profiles `[profile x]`
    /// (except `[default]`); credentials files name them `[x]`.
    public mutating func merge(text: String, isConfigFile: Bool) {
        var target: (kind: Kind, name: String)?
        var parentKey: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let indented = line.first == " " || line.first == "\t"
            let content = Substring(SharedConfig.stripComment(line).trimmingWhitespace())
            if content.isEmpty { continue }

            if content.first == "[" {
                parentKey = nil
                guard content.last == "]" else { target = nil; continue }
                let header = Substring(content.dropFirst().dropLast().trimmingWhitespace())
                target = SharedConfig.section(header, isConfigFile: isConfigFile)
                continue
            }
            guard let current = target, let eq = content.firstIndex(of: "=") else { continue }
            let key = content[..<eq].trimmingWhitespace().lowercased()
            let value = content[content.index(after: eq)...].trimmingWhitespace()
            if indented, let parent = parentKey {
                set(current, "\(parent).\(key)", value)
                continue
            }
            parentKey = value.isEmpty ? key : nil
            if !value.isEmpty || !indented { set(current, key, value) }
        }
    }

    enum Kind { case profile, services, ssoSession }

    static func section(_ header: Substring, isConfigFile: Bool) -> (Kind, String)? {
        let words = header.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if !isConfigFile { return (.profile, String(header)) }
        if words.count == 1, words[0] == "default" { return (.profile, "default") }
        if words.count == 2, words[0] == "profile" { return (.profile, String(words[1])) }
        if words.count == 2, words[0] == "services" { return (.services, String(words[1])) }
        if words.count == 2, words[0] == "sso-session" { return (.ssoSession, String(words[1])) }
        return nil
    }

    private mutating func set(_ target: (kind: Kind, name: String), _ key: String, _ value: String) {
        switch target.kind {
        case .profile: profiles[target.name, default: [:]][key] = value
        case .services: services[target.name, default: [:]][key] = value
        case .ssoSession: ssoSessions[target.name, default: [:]][key] = value
        }
    }

    /// Drops a comment: a line starting with `#` or `;`, or ` #`/` ;` later on.
    static func stripComment(_ line: Substring) -> Substring {
        let trimmed = line.trimmingWhitespace()
        if trimmed.first == "#" || trimmed.first == ";" { return "" }
        var previous: Character = "x"
        for index in line.indices {
            let ch = line[index]
            if (ch == "#" || ch == ";") && (previous == " " || previous == "\t") {
                return line[..<index]
            }
            previous = ch
        }
        return line
    }
}
