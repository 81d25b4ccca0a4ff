/// What one source of credentials found.
public enum ProviderResult: Sendable {
    case found(Credentials)
    /// This source is not configured here; the chain tries the next one.
    case notConfigured
    /// This source is configured but failed; the chain stops with this.
    case failed(StoreError)
}

/// A source of credentials: options, environment, files, a command or a
/// network service. `load` is called on the I/O loop and calls back
/// exactly once, there; it never blocks that thread.
public protocol CredentialProvider: Sendable {
    var name: String { get }
    func load(_ completion: @escaping (ProviderResult) -> Void)
}

/// Credentials given explicitly (options, a JSON config object).
struct StaticCredentialProvider: CredentialProvider {
    let credentials: Credentials
    var name: String { "options" }
    func load(_ completion: @escaping (ProviderResult) -> Void) {
        completion(.found(credentials))
    }
}

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
struct EnvironmentCredentialProvider: CredentialProvider {
    let env: Environment
    var name: String { "environment" }
    func load(_ completion: @escaping (ProviderResult) -> Void) {
        guard let key = env["AWS_ACCESS_KEY_ID"] else { return completion(.notConfigured) }
        guard let secret = env["AWS_SECRET_ACCESS_KEY"] else {
            return completion(.failed(StoreError(.credentials,
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")))
        }
        completion(.found(Credentials(accessKeyId: key, secretAccessKey: secret,
                                      sessionToken: env["AWS_SESSION_TOKEN"])))
    }
}

/// Tries providers in order; the first that finds credentials wins.
struct CredentialChain: CredentialProvider {
    let providers: [CredentialProvider]
    var name: String { "chain" }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        attempt(0, completion)
    }

    private func attempt(_ index: Int, _ completion: @escaping (ProviderResult) -> Void) {
        guard index < providers.count else {
            return completion(.failed(StoreError(.credentials,
                "no AWS credentials found (tried \(providers.map(\.name).joined(separator: ", ")))")))
        }
        providers[index].load { result in
            switch result {
            case .notConfigured: attempt(index + 1, completion)
            default: completion(result)
            }
        }
    }
}
