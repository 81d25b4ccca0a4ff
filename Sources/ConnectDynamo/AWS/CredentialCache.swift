/// Holds the current credentials and refreshes temporary ones before they
/// expire, as the AWS SDKs do: within 15 minutes of expiry one refresh
/// starts in the background while the old credentials keep signing; within
/// 10 minutes, requests wait for the refresh. One refresh at a time.
///
/// Confined to the I/O thread (providers call back there).
final class CredentialCache: @unchecked Sendable {
    static let advisoryWindow = 15.0 * 60
    static let mandatoryWindow = 10.0 * 60

    private let provider: CredentialProvider
    private let now: @Sendable () -> Double
    private var current: Credentials?
    private var refreshing = false
    private var waiters: [(Result<Credentials, StoreError>) -> Void] = []

    init(provider: CredentialProvider, now: @escaping @Sendable () -> Double = Clock.epochSeconds) {
        self.provider = provider
        self.now = now
    }

    func credentials(_ completion: @escaping (Result<Credentials, StoreError>) -> Void) {
        if let current {
            let remaining = current.expiration.map { $0 - now() } ?? .infinity
            if remaining > CredentialCache.advisoryWindow {
                return completion(.success(current))
            }
            if remaining > CredentialCache.mandatoryWindow {
                refresh()
                return completion(.success(current))
            }
        }
        waiters.append(completion)
        refresh()
    }

    private func refresh() {
        guard !refreshing else { return }
        refreshing = true
        provider.load { [self] result in
            refreshing = false
            let outcome: Result<Credentials, StoreError>
            switch result {
            case .found(let credentials):
                current = credentials
                outcome = .success(credentials)
            case .failed(let error):
                outcome = .failure(error)
            case .notConfigured:
                outcome = .failure(StoreError(.credentials, "no AWS credentials found"))
            }
            let waiting = waiters
            waiters.removeAll()
            for waiter in waiting { waiter(outcome) }
        }
    }
}
