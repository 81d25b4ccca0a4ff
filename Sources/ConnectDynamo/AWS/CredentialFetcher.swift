/// HTTP for the credential services (container, EC2 instance metadata,
/// STS): short timeouts, because a provider that is not there must not
/// hold up the chain, and a few quick retries of transport faults and 5xx
/// answers, because these services are local and usually recover at once.
/// Waiting between attempts is an engine timer.
///
/// Runs on the I/O loop; completions run there.
struct CredentialFetcher: Sendable {
    let engine: IOEngine
    var connectTimeoutMillis = 1000
    var timeoutMillis = 2000
    var attempts = 2
    var caBundle: String?

    /// Sends `method` to `url`; the response, whatever its status, or the
    /// transport failure of the last attempt.
    func fetch(_ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8] = [],
               _ completion: @escaping (Result<HTTPResponse, StoreError>) -> Void) {
        let request = HTTPRequest(method: method, url: url, headers: headers, body: body,
                                  connectTimeoutMillis: connectTimeoutMillis,
                                  timeoutMillis: timeoutMillis, caBundle: caBundle)
        send(request, attempt: 1, completion)
    }

    private func send(_ request: HTTPRequest, attempt: Int,
                      _ completion: @escaping (Result<HTTPResponse, StoreError>) -> Void) {
        engine.send(request) { result in
            let transient: Bool
            switch result {
            case .success(let response): transient = response.status >= 500
            case .failure(let error): transient = (error.code == .network || error.code == .timeout) && !error.isPermanent
            }
            guard transient, attempt < attempts, !engine.isStopping else { return completion(result) }
            engine.schedule(afterMillis: 50 * attempt) {
                send(request, attempt: attempt + 1, completion)
            }
        }
    }
}
