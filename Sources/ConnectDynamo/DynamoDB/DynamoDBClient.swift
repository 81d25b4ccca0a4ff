/// DynamoDB over its JSON 1.0 protocol: signs each attempt afresh, sends it
/// through the I/O engine, checks the response's CRC32, maps errors, and
/// retries what is worth retrying on engine timers.
///
/// `call` runs on the I/O loop and calls back there, exactly once.
final class DynamoDBClient: @unchecked Sendable {
    struct Settings: Sendable {
        var endpoint: Endpoint
        var region: String
        var connectTimeoutMillis: Int
        var requestTimeoutMillis: Int
        var caBundle: String?
    }

    let engine: IOEngine
    let settings: Settings
    let credentials: CredentialCache
    let retry: RetryPolicy
    let stats: Stats
    let logger: Logger
    private let signer: SigV4
    private let signingKeys = SigningKeyCache()

    init(engine: IOEngine, settings: Settings, credentials: CredentialCache,
         retry: RetryPolicy, stats: Stats, logger: Logger) {
        self.engine = engine
        self.settings = settings
        self.credentials = credentials
        self.retry = retry
        self.stats = stats
        self.logger = logger
        self.signer = SigV4(region: settings.region, service: "dynamodb")
    }

    typealias Completion = (Result<JSON, DynamoDBError>) -> Void

    /// One operation across its attempts.
    private struct Call {
        let operation: String
        /// The X-Amz-Target value, built once for all attempts.
        let target: String
        let body: [UInt8]
        var number = 1
        /// Whether new credentials were already fetched after an
        /// ExpiredTokenException (once per call, outside the retry quota).
        var renewedExpiredToken = false
    }

    /// Calls a DynamoDB operation (e.g. "GetItem") with a JSON body.
    func call(_ operation: String, _ body: JSON, _ completion: @escaping Completion) {
        stats.count(.requests)
        attempt(Call(operation: operation, target: "DynamoDB_20120810." + operation, body: body.encoded()), completion)
    }

    private func attempt(_ call: Call, _ completion: @escaping Completion) {
        credentials.credentials { [self] result in
            switch result {
            case .failure(let error):
                logger.log(.warn, "\(call.operation): no credentials: \(error.message)")
                completion(.failure(DynamoDBError(error: error, type: "")))
            case .success(let credentials):
                send(call, credentials: credentials, completion)
            }
        }
    }

    private func send(_ call: Call, credentials: Credentials, _ completion: @escaping Completion) {
        stats.count(.attempts)
        if call.number > 1 { stats.count(.retries) }
        let headers = signer.sign(
            method: "POST", path: settings.endpoint.path,
            headers: [("Content-Type", "application/x-amz-json-1.0"),
                      ("Host", settings.endpoint.hostHeader),
                      ("X-Amz-Target", call.target)],
            body: call.body, credentials: credentials, time: Int64(Clock.epochSeconds()),
            keys: signingKeys)
        let request = HTTPRequest(url: settings.endpoint.url, headers: headers, body: call.body,
                                  connectTimeoutMillis: settings.connectTimeoutMillis,
                                  timeoutMillis: settings.requestTimeoutMillis,
                                  caBundle: settings.caBundle)
        logger.log(.debug, "\(call.operation) attempt \(call.number), key id \(credentials.accessKeyId)")
        engine.send(request) { [self] result in
            switch interpret(result) {
            case .success(let json):
                retry.recordSuccess(retried: call.number > 1)
                completion(.success(json))
            case .failure(let raw):
                // Server text can echo anything; it leaves without secrets.
                let failure = DynamoDBError(
                    error: StoreError(raw.error.code, Redaction.scrub(raw.error.message, Redaction.secrets(of: credentials)),
                                      permanent: raw.error.isPermanent),
                    type: raw.type)
                failed(call, failure, credentials: credentials, completion)
            }
        }
    }

    private func failed(_ call: Call, _ failure: DynamoDBError, credentials used: Credentials,
                        _ completion: @escaping Completion) {
        if failure.error.code == .throttled { stats.count(.throttles) }
        if failure.error.code == .timeout { stats.count(.timeouts) }
        var next = call
        next.number += 1
        if failure.isExpiredToken, !call.renewedExpiredToken, call.number < retry.maxAttempts {
            logger.log(.info, "\(call.operation): session token of key id \(used.accessKeyId) expired; loading new credentials")
            credentials.invalidate(used)
            next.renewedExpiredToken = true
            return attempt(next, completion)
        }
        guard let delay = retry.retryDelay(after: failure.error, retryable: failure.retryable, attempt: call.number) else {
            let level: LogLevel = failure.retryable || failure.error.code == .auth ? .warn : .debug
            logger.log(level, "\(call.operation) failed after \(call.number) attempt(s): \(failure.error.message)")
            return completion(.failure(failure))
        }
        logger.log(.info, "\(call.operation) attempt \(call.number) failed (\(failure.error.message)); retrying in \(delay) ms")
        engine.schedule(afterMillis: delay) { [self] in
            attempt(next, completion)
        }
    }

    /// A transport result as DynamoDB's answer: the parsed JSON body of a
    /// 200 whose CRC32 matches, or the error it stands for. Every answer
    /// with an x-amz-crc32 header (DynamoDB sends it on all of them) is
    /// checked, errors included; no compression is asked for, so the CRC
    /// covers exactly the bytes received.
    func interpret(_ result: Result<HTTPResponse, StoreError>) -> Result<JSON, DynamoDBError> {
        let response: HTTPResponse
        switch result {
        case .failure(let error): return .failure(DynamoDBError(error: error, type: ""))
        case .success(let r): response = r
        }
        if let expected = response.headers["x-amz-crc32"] {
            guard let value = UInt32(expected), value == CRC32.checksum(response.body) else {
                return .failure(DynamoDBError(
                    error: StoreError(.protocolError, "response CRC32 mismatch (x-amz-crc32: \(expected))"),
                    type: DynamoDBError.crcMismatch))
            }
        }
        guard response.status == 200 else {
            return .failure(DynamoDBError.from(status: response.status, body: response.body))
        }
        do {
            let json = try JSON.parse(response.body)
            guard case .object = json else {
                return .failure(DynamoDBError(error: StoreError(.protocolError, "response is not a JSON object"),
                                              type: DynamoDBError.malformedResponse))
            }
            return .success(json)
        } catch {
            return .failure(DynamoDBError(error: StoreError(.protocolError, "malformed JSON response: \(error)"),
                                          type: DynamoDBError.malformedResponse))
        }
    }
}
