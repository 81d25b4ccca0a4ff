/// When and how long to wait before trying a request again: the AWS SDKs'
/// "standard" mode with DynamoDB's shorter base delay. Full-jitter
/// exponential backoff, capped; a retry quota (token bucket) so that an
/// endpoint that is down is not hammered by every request's retries.
///
/// The quota is I/O-thread state, like the requests it governs.
public final class RetryPolicy: @unchecked Sendable {
    public let maxAttempts: Int
    public let baseDelayMillis: Int
    public let maxDelayMillis: Int

    static let quotaCapacity = 500
    static let retryCost = 5
    static let timeoutRetryCost = 10
    private var quota = RetryPolicy.quotaCapacity

    /// What is left of the retry quota (for tests and diagnostics).
    var quotaRemaining: Int { quota }

    public init(maxAttempts: Int = 4, baseDelayMillis: Int = 50, maxDelayMillis: Int = 2000) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelayMillis = max(1, baseDelayMillis)
        self.maxDelayMillis = max(self.baseDelayMillis, maxDelayMillis)
    }

    /// Whether a failure is worth another attempt: throttling, 5xx, a
    /// connection fault, a timeout or a damaged response (truncated, or
    /// failing its CRC). Never a conditional-check failure, a validation
    /// error or an auth error.
    public static func isRetryable(_ error: StoreError) -> Bool {
        if error.isPermanent { return false }
        switch error.code {
        case .throttled, .server, .network, .timeout, .protocolError: return true
        default: return false
        }
    }

    /// Takes from the quota for a retry; nil means do not retry. Otherwise
    /// the delay before attempt number `attempt + 1` (attempt counts from 1).
    func retryDelay(after error: StoreError, attempt: Int) -> Int? {
        retryDelay(after: error, retryable: RetryPolicy.isRetryable(error), attempt: attempt)
    }

    /// As above, with the caller's judgement of whether `error` is
    /// retryable (DynamoDBError knows more than the code).
    func retryDelay(after error: StoreError, retryable: Bool, attempt: Int) -> Int? {
        guard attempt < maxAttempts, retryable else { return nil }
        let cost = error.code == .timeout ? RetryPolicy.timeoutRetryCost : RetryPolicy.retryCost
        guard quota >= cost else { return nil }
        quota -= cost
        return backoff(attempt: attempt)
    }

    /// A success pays back a little of the quota (the SDKs' refill).
    func recordSuccess(retried: Bool) {
        let refund = retried ? RetryPolicy.retryCost : 1
        quota = min(RetryPolicy.quotaCapacity, quota + refund)
    }

    /// Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
    public func backoff(attempt: Int) -> Int {
        let exponent = attempt <= 1 ? 0 : min(attempt - 1, 30)
        let (scaled, overflow) = baseDelayMillis.multipliedReportingOverflow(by: 1 << exponent)
        let ceiling = overflow ? maxDelayMillis : min(maxDelayMillis, scaled)
        return Int.random(in: 0...max(0, ceiling))
    }
}
