/// Holds the current credentials and refreshes temporary ones before they
/// expire, as the AWS SDKs do: within 15 minutes of expiry one refresh
/// starts in the background while the old credentials keep signing; within
/// 10 minutes, requests wait for the refresh. One refresh at a time.
///
/// A failed refresh does not take away credentials that still work: those
/// who waited get the old ones, and no new refresh is tried for
/// `retryAfterFailure` seconds unless the old ones have run out (so a
/// provider that is down is not asked again by every request).
///
/// Confined to the I/O loop (providers call back there; see IOEngine).
final class CredentialCache: @unchecked Sendable {
    static let advisoryWindow = 15.0 * 60
    static let mandatoryWindow = 10.0 * 60
    static let retryAfterFailure = 10.0

    private let provider: CredentialProvider
    private let now: @Sendable () -> Double
    private let logger: Logger
    private var current: Credentials?
    private var refreshing = false
    private var lastFailure: Double?
    private var waiters: [(Result<Credentials, StoreError>) -> Void] = []
    /// Provider loads started, for tests and logs.
    private(set) var refreshes = 0

    init(provider: CredentialProvider, logger: Logger = Logger(),
         now: @escaping @Sendable () -> Double = Clock.epochSeconds) {
        self.provider = provider
        self.logger = logger
        self.now = now
    }

    /// The credentials to sign with; waits (calls back later) only when
    /// there are none or they are within the mandatory window.
    func credentials(_ completion: @escaping (Result<Credentials, StoreError>) -> Void) {
        let time = now()
        if let current {
            let remaining = current.expiration.map { $0 - time } ?? .infinity
            if remaining > CredentialCache.advisoryWindow {
                return completion(.success(current))
            }
            if remaining > CredentialCache.mandatoryWindow {
                if !failedRecently(time) { refresh() }
                return completion(.success(current))
            }
            if remaining > 0 && failedRecently(time) {
                return completion(.success(current))
            }
        }
        waiters.append(completion)
        refresh()
    }

    /// Forgets `credentials` if they are the current ones (the service said
    /// they expired), so that the next request loads fresh ones.
    func invalidate(_ credentials: Credentials) {
        if current?.accessKeyId == credentials.accessKeyId && current?.sessionToken == credentials.sessionToken {
            current = nil
            lastFailure = nil
        }
    }

    private func failedRecently(_ time: Double) -> Bool {
        guard let lastFailure else { return false }
        return time - lastFailure < CredentialCache.retryAfterFailure
    }

    private func refresh() {
        guard !refreshing else { return }
        refreshing = true
        refreshes &+= 1
        provider.load { [self] result in
            refreshing = false
            let time = now()
            let outcome: Result<Credentials, StoreError>
            switch result {
            case .found(let credentials):
                current = credentials
                lastFailure = nil
                outcome = .success(credentials)
                logger.log(.info, "credentials loaded: key id \(credentials.accessKeyId)"
                    + (credentials.expiration.map { ", expires in \(Int(min(max($0 - time, -1e12), 1e12))) s" } ?? ""))
            case .failed(let error):
                lastFailure = time
                outcome = .failure(error)
            case .notConfigured:
                lastFailure = time
                outcome = .failure(StoreError(.credentials, "no AWS credentials found"))
            }
            if case .failure(let error) = outcome {
                if let current, current.isValid(at: time) {
                    logger.log(.warn, "credential refresh failed; the current ones (key id \(current.accessKeyId)) still work: \(error.message)")
                } else {
                    logger.log(.error, "credentials could not be loaded: \(error.message)")
                }
            }
            let waiting = waiters
            waiters.removeAll()
            for waiter in waiting {
                if case .failure = outcome, let current, current.isValid(at: time) {
                    waiter(.success(current))
                } else {
                    waiter(outcome)
                }
            }
        }
    }
}
