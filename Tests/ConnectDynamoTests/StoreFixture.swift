import Testing
@testable import ConnectDynamo

/// What the store tests share: the local DynamoDB they run against
/// (CDYN_TEST_ENDPOINT, moto's server started by `make test-swift`; the
/// suites that need it are skipped without it), options for a store there,
/// and a wait for a completion-style call.
enum StoreFixture {
    static let endpoint = Environment.process["CDYN_TEST_ENDPOINT"]

    /// Options for `table` on the test endpoint, with fixed credentials and
    /// an empty environment, so nothing of the machine's leaks in. With a
    /// `clock`, the store reads the time from it (the test moves it by
    /// hand instead of sleeping).
    static func options(table: String, prefix: String? = nil, clock: Locked<Double>? = nil) -> StoreOptions {
        var options = StoreOptions()
        options.table = table
        if let prefix { options.prefix = prefix }
        options.endpoint = endpoint
        options.region = "us-east-1"
        options.credentials = Credentials(accessKeyId: "test", secretAccessKey: "test-secret")
        options.environment = Environment { _ in nil }
        if let clock { options.clock = { clock.withLock { $0 } } }
        return options
    }

    /// Starts a completion-style call and waits (on a condition variable)
    /// for its result.
    static func result<T: Sendable>(_ start: (@escaping SessionStore.Completion<T>) throws -> Void) throws -> Result<T, StoreError> {
        let box = Locked<Result<T, StoreError>?>(nil)
        try start { result in
            box.withLock { $0 = result }
            box.broadcast()
        }
        return box.withLock(when: { $0 != nil }) { $0 ?? .failure(.closed) }
    }
}

/// The value of a completion-style call; throws the store's error.
func answer<T: Sendable>(_ start: (@escaping SessionStore.Completion<T>) throws -> Void) throws -> T {
    try StoreFixture.result(start).get()
}
