/// Credentials supplied by the host language (an SDK's provider, a boto3
/// session): the store asks through `ask` on its I/O loop whenever its
/// `CredentialCache` needs credentials, at first use and again before the
/// expiry of the last answer, exactly as it asks the built-in chain. The
/// host answers later, from any thread, through the request it was given.
///
/// An unanswered request fails after `timeoutMillis` (the host's provider
/// may hang as any network service can), and at once when the store
/// closes, so calls waiting for credentials always finish. (The engine has
/// no way to cancel a timer: an answered request's timer stays until it
/// fires and does nothing. Refreshes are rare, about one an hour.)
struct HostCredentialProvider: CredentialProvider {
    let ask: @Sendable (HostCredentialRequest) -> Void
    let engine: IOEngine
    let timeoutMillis: Int

    var name: String { "host credentials callback" }

    func load(_ completion: @escaping (ProviderResult) -> Void) {
        let request = HostCredentialRequest(engine: engine, completion: completion)
        engine.schedule(afterMillis: timeoutMillis) { [engine, timeoutMillis] in
            request.settle(.failed(engine.isStopping ? .closed
                : StoreError(.credentials, "the credentials callback did not answer within \(timeoutMillis) ms")))
        }
        ask(request)
    }
}

/// One question to the host for credentials. Answer it once, from any
/// thread, with `provide` or `fail`; later answers (and answers after the
/// timeout) are ignored.
public final class HostCredentialRequest: @unchecked Sendable {
    private let engine: IOEngine
    /// Loop-confined: read and cleared only in jobs on the I/O loop.
    private var completion: ((ProviderResult) -> Void)?

    init(engine: IOEngine, completion: @escaping (ProviderResult) -> Void) {
        self.engine = engine
        self.completion = completion
    }

    /// Answers with credentials. Returns false when the store has closed
    /// (the answer is dropped).
    @discardableResult
    public func provide(_ credentials: Credentials) -> Bool {
        answer(.found(credentials))
    }

    /// Answers that no credentials could be had; `message` (the host's own
    /// words, never a secret) reaches the calls that waited for them.
    @discardableResult
    public func fail(_ message: String) -> Bool {
        answer(.failed(StoreError(.credentials, "the credentials callback failed: \(message.prefix(512))")))
    }

    private func answer(_ result: ProviderResult) -> Bool {
        engine.post { [self] in settle(result) }
    }

    /// On the loop: the first outcome wins.
    func settle(_ result: ProviderResult) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}
