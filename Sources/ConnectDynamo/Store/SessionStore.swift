import Synchronization

/// A DynamoDB session store in connect-dynamodb's table format.
///
/// Every call validates its arguments on the caller's thread and throws
/// when it cannot start (bad argument, closed store); otherwise it returns
/// at once and `completion` runs exactly once, on the store's I/O thread
/// (or, inside `lendingThread`, possibly on the lending thread).
/// Safe to use from any number of threads.
public final class SessionStore: Sendable {
    public typealias Completion<T: Sendable> = @Sendable (Result<T, StoreError>) -> Void

    public let options: StoreOptions
    public let region: String
    public let endpoint: Endpoint
    public let stats = Stats()
    let format: SessionItem
    /// What this store's writes set each session's expiry to, for lazy touch.
    let recentExpiries = RecentExpiries()
    /// The engine, client and table check of the current process (see
    /// ProcessBound: a store inherited through fork() gets new ones).
    private let parts: ProcessBoundSlot
    private let closed = Atomic<Bool>(false)

    /// The loop's view of the current parts; calls start through
    /// `partsForCall()` instead, which builds them anew after a fork.
    var engine: IOEngine { parts.loaded.engine }
    var client: DynamoDBClient { parts.loaded.client }
    var tableManager: TableManager { parts.loaded.tableManager }

    /// Opens a store: resolves region, endpoint and credential sources and
    /// starts the I/O thread. No network I/O happens here.
    /// - Throws: `StoreError` with `.invalidArgument` for a bad option or
    ///   an unreadable CA bundle, or `.credentials` for a named profile
    ///   that is not there or files that cannot be read.
    public init(options: StoreOptions) throws(StoreError) {
        // Everything that can fail is settled before the I/O thread starts.
        try options.validate()
        let env = options.environment
        let config = try SharedConfig.load(env)
        let profileName = options.profile ?? env["AWS_PROFILE"] ?? "default"
        let profile = config.profile(profileName)
        if options.profile != nil, profile == nil {
            throw StoreError(.credentials, "profile \"\(profileName)\" is not in the shared AWS files")
        }
        let region = try Resolution.region(option: options.region, env: env, profile: profile)
        let endpoint = try Resolution.endpoint(option: options.endpoint, region: region, env: env,
                                               config: config, profile: profile)
        let caBundle = try SessionStore.caBundle(option: options.caBundle, env: env, profile: profile)

        self.options = options
        self.region = region
        self.endpoint = endpoint
        format = SessionItem(options: options)
        let stats = stats
        parts = try ProcessBoundSlot { () throws(StoreError) -> ProcessBound in
            let engine = try IOEngine(userAgent: "connect-dynamo/\(Version.string)",
                                      maxConnections: Int(options.maxConnections))
            let host = options.credentialsCallback.map { ask -> CredentialProvider in
                HostCredentialProvider(ask: ask, engine: engine,
                                       timeoutMillis: Int(clamping: options.requestTimeoutMillis))
            }
            let provider: CredentialProvider = options.credentials.map { StaticCredentialProvider(credentials: $0) }
                ?? host
                ?? DefaultCredentialChain.make(.init(env: env, config: config, profileName: profileName,
                                                     profile: profile, region: region, caBundle: caBundle,
                                                     engine: engine, explicitProfile: options.profile != nil))
            let client = DynamoDBClient(
                engine: engine,
                settings: .init(endpoint: endpoint, region: region,
                                connectTimeoutMillis: Int(clamping: options.connectTimeoutMillis),
                                requestTimeoutMillis: Int(clamping: options.requestTimeoutMillis),
                                caBundle: caBundle),
                credentials: CredentialCache(provider: provider, logger: options.logger),
                retry: RetryPolicy(maxAttempts: Int(options.maxAttempts)),
                stats: stats, logger: options.logger)
            return ProcessBound(engine: engine, client: client,
                                tableManager: TableManager(client: client, options: options))
        }
    }

    /// The current process's parts, built anew on the first call in a
    /// process forked from the one that opened the store.
    private func partsForCall() throws(StoreError) -> ProcessBound {
        try parts.forThisProcess(closed: closed.load(ordering: .acquiring))
    }

    /// The CA bundle: the option, AWS_CA_BUNDLE, the profile's ca_bundle,
    /// else nil (the system's). A named file that cannot be read is an
    /// error now rather than a TLS failure on every request.
    static func caBundle(option: String?, env: Environment,
                         profile: SharedConfig.Section?) throws(StoreError) -> String? {
        let chosen = option.nonEmpty ?? env["AWS_CA_BUNDLE"] ?? profile?["ca_bundle"].nonEmpty
        guard let chosen else { return nil }
        let path = env.expandingHome(chosen)
        do throws(FileReader.Failure) {
            _ = try FileReader.contents(of: path)
        } catch {
            switch error {
            case .missing: throw .invalid("CA bundle \(path) does not exist")
            case .unreadable(let why): throw .invalid("CA bundle: \(why)")
            }
        }
        return path
    }

    deinit {
        parts.shutdown()
    }

    /// Stops the store: calls in flight complete with `.closed`. Blocks
    /// until the I/O thread has ended, unless called on it. (In a process
    /// forked from the one that opened the store, and that has not used
    /// it, there is no I/O thread to stop: later calls fail at once.)
    public func close() {
        closed.store(true, ordering: .releasing)
        parts.shutdown()
    }

    /// True on the store's I/O thread (or a thread lent to it), where
    /// waiting for the store would deadlock.
    public var isOnIOThread: Bool {
        let current = parts.loaded
        return current.isThisProcess && current.engine.isOnIOThread
    }

    /// For a caller about to wait for the call `start` makes: runs the
    /// store's I/O on the calling thread until `done()` when the store is
    /// otherwise idle, which saves the thread hand-offs (see
    /// `IOEngine.lend`); the completion may then run on this thread.
    public func lendingThread<E: Error>(until done: () -> Bool, _ start: () throws(E) -> Void) throws(E) {
        // Without parts for this process `start` fails as the call would.
        guard let current = try? partsForCall() else { return try start() }
        try current.engine.lend(until: done, start)
    }

    /// Runs `work` on the I/O loop once the table is ready (checked even
    /// when the store may not create it, if `verifyTable`; not waited for
    /// at all without `tableCheck`), counting the operation and its
    /// failure; `completion` runs exactly once.
    func submit<T: Sendable>(_ completion: @escaping Completion<T>,
                             verifyTable: Bool = false, tableCheck: Bool = true,
                             _ work: @escaping @Sendable (@escaping (Result<T, StoreError>) -> Void) -> Void) throws(StoreError) {
        stats.count(.operations)
        let current: ProcessBound
        do {
            current = try partsForCall()
        } catch {
            stats.countFailure(error.code)
            throw error
        }
        let posted = current.engine.post { [self] in
            let finish: (Result<T, StoreError>) -> Void = { result in
                if case .failure(let error) = result { self.stats.countFailure(error.code) }
                completion(result)
            }
            if current.engine.isStopping { return finish(.failure(.closed)) }
            if !tableCheck { return work(finish) }
            current.tableManager.ready(verify: verifyTable) { error in
                if let error { return finish(.failure(error)) }
                work(finish)
            }
        }
        if !posted {
            stats.countFailure(.closed)
            throw .closed
        }
    }

    /// An expiry to write: `expires`, or now + the default TTL when 0.
    func expiry(_ expires: Int64) throws(StoreError) -> Int64 {
        guard expires >= 0 else { throw .invalid("expiry must not be negative") }
        if expires > 0 { return expires }
        return Int64(options.clock()) &+ options.defaultTTLSeconds
    }

    static func number(_ value: Int64) -> JSON { .obj(["N": .string(String(value))]) }
    static func number(_ value: Double) -> JSON { .obj(["N": .string(String(value))]) }

    // MARK: - Sessions

    /// Makes sure the table exists (see TableManager).
    public func ensureTable(_ completion: @escaping Completion<Void>) throws(StoreError) {
        try submit(completion, verifyTable: true) { finish in finish(.success(())) }
    }

    /// Reads a live session; `.notFound` if there is none or it expired.
    public func get(_ id: String, _ completion: @escaping Completion<StoredSession>) throws(StoreError) {
        try getItem(id, completion) { [format, logger = client.logger, clock = options.clock] item in
            switch item.map({ format.read($0, now: clock()) }) ?? .none {
            case .session(var session):
                session.id = id  // not the hashed key, under hashed ids
                return .success(session)
            case .unreadable(let id, let why):
                logger.log(.warn, "session \"\(ServerText.sanitized(id, limit: 128))\" read as no session: \(why)")
                return .failure(StoreError(.notFound, "session not found"))
            case .none:
                return .failure(StoreError(.notFound, "session not found"))
            }
        }
    }

    /// The raw item holding a session, as DynamoDB's attribute-value JSON
    /// text, expired or not; `.notFound` when there is no item.
    public func item(_ id: String, _ completion: @escaping Completion<[UInt8]>) throws(StoreError) {
        try getItem(id, completion) { item in
            guard let item else { return .failure(StoreError(.notFound, "no item for this session id")) }
            return .success(item.encoded())
        }
    }

    /// GetItem of a session's key; `interpret` turns the item (nil when
    /// there is none) into the call's result.
    private func getItem<T: Sendable>(_ id: String, _ completion: @escaping Completion<T>,
                                      interpret: @escaping @Sendable (JSON?) -> Result<T, StoreError>) throws(StoreError) {
        try format.validate(id: id)
        try submit(completion) { [self] finish in
            readItem(id) { result in finish(result.flatMap(interpret)) }
        }
    }

    /// GetItem of a session's key (hashed under hashed ids); with
    /// `readPlainIds`, an id with no item under its hashed key is looked
    /// up under its plain key (the migration's fallback). Runs on the loop.
    func readItem(_ id: String, consistent: Bool? = nil, _ completion: @escaping (Result<JSON?, StoreError>) -> Void) {
        func read(_ key: JSON, then: @escaping (JSON?) -> Void) {
            let body = JSON.obj(["TableName": .string(options.table), "Key": key,
                                 "ConsistentRead": .bool(consistent ?? options.consistentReads)])
            client.call("GetItem", body) { result in
                switch result {
                case .failure(let failure): completion(.failure(failure.error))
                case .success(let answer): then(answer["Item"])
                }
            }
        }
        read(format.key(id)) { [self] item in
            guard item == nil, options.readPlainIds else { return completion(.success(item)) }
            read(format.plainKey(id)) { completion(.success($0)) }
        }
    }

    /// What must hold for a write to happen.
    public enum WriteCondition: Sendable {
        /// Always write.
        case none
        /// Only if no live session has the id (an expired item counts as
        /// absent); else `.conditionFailed`.
        case noLiveSession
        /// Only if a live session has the id; else `.notFound`. A save or a
        /// touch must not bring back a session destroyed or expired meanwhile.
        case liveSession

        /// The condition DynamoDB checks for this, at `now` (nil: none),
        /// by the one rule of what a session is (`SessionRule`).
        func expression(now: Double) -> ConditionExpression? {
            switch self {
            case .none: return nil
            case .noLiveSession: return SessionRule.notLive(now: now)
            case .liveSession: return SessionRule.live(now: now)
            }
        }

        /// The request members that make DynamoDB check this, at `now`;
        /// `names` and `values` are the request's own expression names and
        /// values (an UpdateExpression's).
        func members(now: Double, names: [JSON.Member] = [], values: [JSON.Member] = []) -> [JSON.Member] {
            guard let expression = expression(now: now) else {
                var members: [JSON.Member] = []
                if !names.isEmpty { members.append(JSON.Member("ExpressionAttributeNames", .object(names))) }
                if !values.isEmpty { members.append(JSON.Member("ExpressionAttributeValues", .object(values))) }
                return members
            }
            return expression.members(as: "ConditionExpression", names: names, values: values)
        }

        /// DynamoDB's ConditionalCheckFailed, said for this condition.
        func failure(of error: StoreError) -> StoreError {
            guard error.code == .conditionFailed else { return error }
            switch self {
            case .none: return error
            case .noLiveSession: return StoreError(.conditionFailed, "a live session with this id exists")
            case .liveSession: return StoreError(.notFound, "session not found (or expired)")
            }
        }
    }

    /// Writes a session (a JSON object), if `condition` holds: with no
    /// condition or `.liveSession`, exactly connect-dynamodb's item (last
    /// writer wins; with encryption on, the encrypted item with its version
    /// moved on, as an UpdateItem); with `.noLiveSession`, a new session stamped as a
    /// versioned save's (see `save`), so that a retry meeting its own
    /// landed write succeeds.
    public func set(_ id: String, data: UnsafeBufferPointer<UInt8>, expires: Int64,
                    condition: WriteCondition = .none,
                    _ completion: @escaping Completion<Void>) throws(StoreError) {
        try format.validate(id: id)
        let now = options.clock()
        if case .noLiveSession = condition {
            let stamp = WriteStamp.fresh(version: 1, now: now)
            let item = try format.item(id: id, data: data, expires: try expiry(expires), stamp: stamp)
            return try createOnly(item: item, token: stamp.token, id: id, now: now, completion)
        }
        let request: JSON, operation: String
        if format.encrypts {
            // An encrypted session is never conditioned on its blob: the
            // item gets a version (one more than it had) like a save's.
            let stamp = WriteStamp.fresh(version: nil, now: now)
            request = try updateRequest(id: id, data: data, expires: try expiry(expires), stamp: stamp,
                                        condition: .write(condition), now: now).body
            operation = "UpdateItem"
        } else {
            let item = try format.item(id: id, data: data, expires: try expiry(expires))
            request = JSON.object([JSON.Member("TableName", .string(options.table)), JSON.Member("Item", item)]
                + condition.members(now: now))
            operation = "PutItem"
        }
        try submit(completion) { [self] finish in
            client.call(operation, request) { result in
                finish(result.map { _ in () }.mapError { condition.failure(of: $0.error) })
            }
        }
    }

    public func set(_ id: String, data: [UInt8], expires: Int64, condition: WriteCondition = .none,
                    _ completion: @escaping Completion<Void>) throws(StoreError) {
        try data.withUnsafeBufferPointer { (buffer) throws(StoreError) in
            try set(id, data: buffer, expires: expires, condition: condition, completion)
        }
    }

    /// Moves a live session's expiry. Never creates an item: `.notFound`
    /// when the session does not exist or has expired.
    public func touch(_ id: String, expires: Int64, _ completion: @escaping Completion<Void>) throws(StoreError) {
        try format.validate(id: id)
        let condition = WriteCondition.liveSession
        let body = JSON.object([
            JSON.Member("TableName", .string(options.table)),
            JSON.Member("Key", format.key(id)),
            JSON.Member("UpdateExpression", "SET #e = :e"),
        ] + condition.members(now: options.clock(), names: [JSON.Member("#e", "expires")],
                              values: [JSON.Member(":e", SessionStore.number(try expiry(expires)))]))
        try submit(completion) { [self] finish in
            client.call("UpdateItem", body) { [self] result in
                let outcome = result.map { _ in () }.mapError { condition.failure(of: $0.error) }
                // Migration: a session not yet rewritten hashed lives under its plain key.
                guard options.readPlainIds, case .failure(let error) = outcome, error.code == .notFound,
                      let members = body.objectValue else { return finish(outcome) }
                let plain = JSON.object(members.map { $0.key == "Key" ? JSON.Member("Key", format.plainKey(id)) : $0 })
                client.call("UpdateItem", plain) { result in
                    finish(result.map { _ in () }.mapError { condition.failure(of: $0.error) })
                }
            }
        }
    }

    /// Deletes a session; deleting one that is not there succeeds.
    public func destroy(_ id: String, _ completion: @escaping Completion<Void>) throws(StoreError) {
        try format.validate(id: id)
        let body = JSON.obj(["TableName": .string(options.table), "Key": format.key(id)])
        try submit(completion) { [self] finish in
            client.call("DeleteItem", body) { [self] result in
                // Migration: the plain item, if not yet rewritten, goes too.
                guard options.readPlainIds, case .success = result else {
                    return finish(result.map { _ in () }.mapError(\.error))
                }
                let plain = JSON.obj(["TableName": .string(options.table), "Key": format.plainKey(id)])
                client.call("DeleteItem", plain) { result in
                    finish(result.map { _ in () }.mapError(\.error))
                }
            }
        }
    }
}
