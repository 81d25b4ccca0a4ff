/// The store's calls for async code (Swift servers: Vapor, Hummingbird),
/// over the completion-handler calls: the same validation, the same
/// failures, one `StoreError` type. A call suspends until the store's I/O
/// thread answers; no thread blocks. A cancelled task still waits for its
/// call to finish (a request on the wire cannot be taken back), and then
/// gets its result.
extension SessionStore {
    /// Makes sure the table exists (created if the store may create it).
    public func ensureTable() async throws(StoreError) {
        try await awaiting { (done) throws(StoreError) in try ensureTable(done) }
    }

    /// A live session.
    /// - Throws: `.notFound` if there is none or it expired.
    public func get(_ id: String) async throws(StoreError) -> StoredSession {
        try await awaiting { (done) throws(StoreError) in try get(id, done) }
    }

    /// Writes a session (a JSON object) that expires at `expires`, epoch
    /// seconds (0: now + the default TTL), if `condition` holds.
    /// - Throws: `.conditionFailed` (`.noLiveSession`) or `.notFound`
    ///   (`.liveSession`) when it does not.
    public func set(_ id: String, data: [UInt8], expires: Int64,
                    condition: WriteCondition = .none) async throws(StoreError) {
        try await awaiting { (done) throws(StoreError) in
            try set(id, data: data, expires: expires, condition: condition, done)
        }
    }

    /// Moves a live session's expiry; never creates one.
    /// - Throws: `.notFound` when the session does not exist or expired.
    public func touch(_ id: String, expires: Int64) async throws(StoreError) {
        try await awaiting { (done) throws(StoreError) in try touch(id, expires: expires, done) }
    }

    /// Deletes a session; deleting one that is not there succeeds.
    public func destroy(_ id: String) async throws(StoreError) {
        try await awaiting { (done) throws(StoreError) in try destroy(id, done) }
    }

    /// Counts live sessions.
    public func length() async throws(StoreError) -> UInt64 {
        try await awaiting { (done) throws(StoreError) in try length(done) }
    }

    /// Live sessions; with `withData` false only ids (data left empty).
    public func list(withData: Bool) async throws(StoreError) -> [StoredSession] {
        try await awaiting { (done) throws(StoreError) in try list(withData: withData, done) }
    }

    /// Deletes every item of this store's prefix; returns how many.
    public func clear() async throws(StoreError) -> UInt64 {
        try await awaiting { (done) throws(StoreError) in try clear(done) }
    }

    /// Deletes sessions whose expiry has passed; returns how many.
    public func reap() async throws(StoreError) -> UInt64 {
        try await awaiting { (done) throws(StoreError) in try reap(done) }
    }

    /// The user's live sessions through the user index (`userField`).
    public func userSessions(_ user: String) async throws(StoreError) -> [StoredSession] {
        try await awaiting { (done) throws(StoreError) in try userSessions(user, done) }
    }

    /// Log out everywhere: deletes the user's sessions; returns how many.
    public func destroyUserSessions(_ user: String) async throws(StoreError) -> UInt64 {
        try await awaiting { (done) throws(StoreError) in try destroyUserSessions(user, done) }
    }

    /// Re-encrypts the table under the ring's first key (see
    /// `reencrypt(_:_:)`).
    public func reencrypt(_ options: ReencryptOptions = ReencryptOptions()) async throws(StoreError) -> ReencryptProgress {
        try await awaiting { (done) throws(StoreError) in try reencrypt(options, done) }
    }

    /// Starts a completion-handler call and suspends until it completes;
    /// a call that cannot start throws at once.
    private func awaiting<T: Sendable>(
        _ start: (@escaping Completion<T>) throws(StoreError) -> Void
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            do throws(StoreError) {
                try start { continuation.resume(returning: $0) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }
}
