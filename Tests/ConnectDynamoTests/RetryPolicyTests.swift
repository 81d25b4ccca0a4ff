import Testing
@testable import ConnectDynamo

/// Backoff bounds, the retry quota and what counts as retryable.
struct RetryPolicyTests {
    @Test func backoffIsFullJitterUnderACappedExponential() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelayMillis: 50, maxDelayMillis: 2000)
        for attempt in 1...12 {
            let ceiling = min(2000, 50 << (attempt - 1))
            var seen = Set<Int>()
            for _ in 0..<400 {
                let delay = policy.backoff(attempt: attempt)
                #expect(delay >= 0 && delay <= ceiling)
                seen.insert(delay)
            }
            #expect(seen.count > 10)  // jittered, not fixed
        }
    }

    @Test func extremeSettingsDoNotTrap() {
        #expect(RetryPolicy(baseDelayMillis: Int.max / 2, maxDelayMillis: Int.max).backoff(attempt: 60) >= 0)
        #expect(RetryPolicy().backoff(attempt: Int.max) <= 2000)
        #expect(RetryPolicy().backoff(attempt: Int.min) <= 50)
        #expect(RetryPolicy(maxAttempts: -3).maxAttempts == 1)
    }

    @Test func theQuotaAllowsAHundredRetriesThenNone() {
        let policy = RetryPolicy(maxAttempts: 2)
        let error = StoreError(.network, "refused")
        var granted = 0
        while policy.retryDelay(after: error, attempt: 1) != nil { granted += 1 }
        #expect(granted == RetryPolicy.quotaCapacity / RetryPolicy.retryCost)
        // Successes pay it back: one plain success 1, one retried success 5.
        policy.recordSuccess(retried: true)
        #expect(policy.quotaRemaining == 5)
        #expect(policy.retryDelay(after: error, attempt: 1) != nil)
        #expect(policy.retryDelay(after: error, attempt: 1) == nil)
    }

    @Test func timeoutsCostDouble() {
        let policy = RetryPolicy(maxAttempts: 2)
        var granted = 0
        while policy.retryDelay(after: StoreError(.timeout, "t"), attempt: 1) != nil { granted += 1 }
        #expect(granted == RetryPolicy.quotaCapacity / RetryPolicy.timeoutRetryCost)
    }

    @Test func attemptsStopAtMaxAttempts() {
        let policy = RetryPolicy(maxAttempts: 3)
        let error = StoreError(.server, "503")
        #expect(policy.retryDelay(after: error, attempt: 1) != nil)
        #expect(policy.retryDelay(after: error, attempt: 2) != nil)
        #expect(policy.retryDelay(after: error, attempt: 3) == nil)
    }

    @Test(arguments: [StoreError.Code.throttled, .server, .network, .timeout, .protocolError])
    func transientCodesAreRetryable(_ code: StoreError.Code) {
        #expect(RetryPolicy.isRetryable(StoreError(code, "x")))
    }

    @Test(arguments: [StoreError.Code.conditionFailed, .validation, .auth, .credentials, .noTable,
                      .tooLarge, .invalidArgument, .closed, .notFound])
    func finalCodesAreNotRetried(_ code: StoreError.Code) {
        #expect(!RetryPolicy.isRetryable(StoreError(code, "x")))
        #expect(RetryPolicy().retryDelay(after: StoreError(code, "x"), attempt: 1) == nil)
    }

    @Test func aPermanentFailureIsNotRetriedWhateverItsCode() {
        let certificate = StoreError(.network, "TLS verification failed", permanent: true)
        #expect(!RetryPolicy.isRetryable(certificate))
        #expect(RetryPolicy(maxAttempts: 4).retryDelay(after: certificate, attempt: 1) == nil)
        #expect(!DynamoDBError(error: certificate, type: "").retryable)
    }

    @Test func dynamoDBErrorsAreClassified() {
        func error(_ type: String, _ status: Int) -> DynamoDBError {
            DynamoDBError.from(status: status, body: Array(#"{"__type":"com.amazonaws.dynamodb.v20120810#\#(type)","message":"m"}"#.utf8))
        }
        #expect(error("ProvisionedThroughputExceededException", 400).retryable)
        #expect(error("ThrottlingException", 400).retryable)
        #expect(error("RequestLimitExceeded", 400).retryable)
        #expect(error("InternalServerError", 500).retryable)
        #expect(!error("ConditionalCheckFailedException", 400).retryable)
        #expect(!error("ValidationException", 400).retryable)
        #expect(!error("AccessDeniedException", 400).retryable)
        #expect(error("ExpiredTokenException", 400).isExpiredToken)
        #expect(DynamoDBError.from(status: 502, body: Array("<html>".utf8)).error.code == .server)
        #expect(DynamoDBError.from(status: 504, body: []).retryable)
        #expect(!DynamoDBError(error: StoreError(.protocolError, "x"), type: DynamoDBError.malformedResponse).retryable)
        #expect(DynamoDBError(error: StoreError(.protocolError, "x"), type: DynamoDBError.crcMismatch).retryable)
    }

    @Test func redactionRemovesSecretsButNotShortWords() {
        let message = "bad signature for key AKID with secret wJalrXUtnFEMI and token tok-abcdefgh"
        let scrubbed = Redaction.scrub(message, ["wJalrXUtnFEMI", "tok-abcdefgh", "a"])
        #expect(scrubbed == "bad signature for key AKID with secret <redacted> and token <redacted>")
    }
}
