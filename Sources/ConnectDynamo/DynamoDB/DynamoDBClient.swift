/// DynamoDB over its JSON 1.0 protocol: signs each attempt afresh, sends it
/// through the I/O engine, checks the response's CRC32, maps errors, and
/// retries what is worth retrying on engine timers.
///
/// `call` runs on the I/O thread and calls back there, exactly once.
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

    /// Calls a DynamoDB operation (e.g. "GetItem") with a JSON body.
    func call(_ operation: String, _ body: JSON, _ completion: @escaping Completion) {
        stats.count(\.requests)
        attempt(operation, body.encoded(), number: 1, completion)
    }

    private func attempt(_ operation: String, _ body: [UInt8], number: Int, _ completion: @escaping Completion) {
        credentials.credentials { [self] result in
            switch result {
            case .failure(let error):
                completion(.failure(DynamoDBError(error: error, type: "")))
            case .success(let credentials):
                send(operation, body, credentials: credentials, number: number, completion)
            }
        }
    }

    private func send(_ operation: String, _ body: [UInt8], credentials: Credentials,
                      number: Int, _ completion: @escaping Completion) {
        stats.count(\.attempts)
        if number > 1 { stats.count(\.retries) }
        let headers = signer.sign(
            method: "POST", path: settings.endpoint.path,
            headers: [("Content-Type", "application/x-amz-json-1.0"),
                      ("Host", settings.endpoint.hostHeader),
                      ("X-Amz-Target", "DynamoDB_20120810.\(operation)")],
            body: body, credentials: credentials, time: Int64(Clock.epochSeconds()))
        let request = HTTPRequest(url: settings.endpoint.url, headers: headers, body: body,
                                  connectTimeoutMillis: settings.connectTimeoutMillis,
                                  timeoutMillis: settings.requestTimeoutMillis,
                                  caBundle: settings.caBundle)
        engine.send(request) { [self] result in
            let outcome = interpret(result)
            switch outcome {
            case .success:
                retry.recordSuccess(retried: number > 1)
                completion(outcome)
            case .failure(let failure):
                if failure.error.code == .throttled { stats.count(\.throttles) }
                if failure.error.code == .timeout { stats.count(\.timeouts) }
                guard let delay = retry.retryDelay(after: failure.error, attempt: number) else {
                    logger.log(.warn, "\(operation) failed after \(number) attempt(s): \(failure.error.message)")
                    return completion(outcome)
                }
                logger.log(.info, "\(operation) attempt \(number) failed (\(failure.error.message)); retrying in \(delay) ms")
                engine.schedule(afterMillis: delay) { [self] in
                    attempt(operation, body, number: number + 1, completion)
                }
            }
        }
    }

    /// A transport result as DynamoDB's answer: the parsed JSON body of a
    /// 200 whose CRC32 matches, or the error it stands for.
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
                    type: "CRC32Mismatch"))
            }
        }
        guard response.status == 200 else {
            return .failure(DynamoDBError.from(status: response.status, body: response.body))
        }
        do {
            let json = try JSON.parse(response.body)
            guard case .object = json else {
                return .failure(DynamoDBError(error: StoreError(.protocolError, "response is not a JSON object"), type: ""))
            }
            return .success(json)
        } catch {
            return .failure(DynamoDBError(error: StoreError(.protocolError, "malformed JSON response: \(error)"), type: ""))
        }
    }
}
