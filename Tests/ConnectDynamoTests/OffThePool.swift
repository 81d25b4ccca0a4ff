/// Runs `body` on a thread of its own and awaits it.
///
/// Swift Testing runs tests concurrently on the cooperative thread pool,
/// which has one thread per core (two on CI). A test that blocks (spins
/// on a result, joins threads) holds one of them, and every other test
/// waits: on a busy machine that made unrelated tests report seconds.
/// Blocking tests run their body here instead.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
