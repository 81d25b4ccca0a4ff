/// Maps a DynamoDB error answer (the JSON 1.0 protocol's `__type` and
/// message, or just the HTTP status) onto a StoreError.
struct DynamoDBError: Error {
    let error: StoreError
    /// The exception name, e.g. "ResourceInUseException"; "" if none.
    let type: String

    /// A 200 whose body is not a JSON object: DynamoDB did answer, so
    /// asking again would repeat a write for nothing (the SDKs do not
    /// retry parse failures either).
    static let malformedResponse = "MalformedResponse"
    /// The body does not match x-amz-crc32: damaged on the way, retried.
    static let crcMismatch = "CRC32Mismatch"

    /// Whether another attempt may get through.
    var retryable: Bool {
        type != DynamoDBError.malformedResponse && RetryPolicy.isRetryable(error)
    }

    /// The session token has expired: new credentials, then one more try.
    var isExpiredToken: Bool {
        type == "ExpiredTokenException" || type == "ExpiredToken"
    }

    static func from(status: Int, body: [UInt8]) -> DynamoDBError {
        let parsed = try? JSON.parse(body)
        var type = parsed?["__type"]?.stringValue ?? ""
        if let hash = type.lastIndex(of: "#") { type = String(type[type.index(after: hash)...]) }
        let detail = parsed?["message"]?.stringValue ?? parsed?["Message"]?.stringValue ?? ""
        let label = type.isEmpty ? "HTTP \(status)" : type
        let message = detail.isEmpty ? label : "\(label): \(detail)"
        return DynamoDBError(error: StoreError(code(type: type, status: status, detail: detail), message), type: type)
    }

    static func code(type: String, status: Int, detail: String) -> StoreError.Code {
        switch type {
        case "ConditionalCheckFailedException":
            return .conditionFailed
        case "ResourceNotFoundException":
            return .noTable
        case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
             "Throttling", "ThrottledException", "TooManyRequestsException", "SlowDown":
            return .throttled
        case "ValidationException":
            let lower = detail.lowercased()
            if lower.contains("item size") || lower.contains("size has exceeded") {
                return .tooLarge
            }
            return .validation
        case "UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationToken",
             "MissingAuthenticationTokenException", "AccessDeniedException", "ExpiredTokenException",
             "IncompleteSignatureException", "SignatureDoesNotMatch", "InvalidClientTokenId",
             "AuthFailure", "ExpiredToken":
            return .auth
        case "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException":
            return .server
        default:
            if status >= 500 { return .server }
            if status == 401 || status == 403 { return .auth }
            if status == 429 { return .throttled }
            return .failure
        }
    }
}
