/// The calls that walk the whole table: length, ids, all, clear, reap.
/// Each is a paginated Scan that sees only this store's items (key starts
/// with the prefix; with an empty prefix, items whose `type` is
/// "connect-session"), so a shared table's other data is never touched.
extension SessionStore {
    /// Which items a scan keeps.
    enum ScanFilter {
        case live      // sessions `get` would return
        case expired   // sessions past their expiry
        case any       // every item of this store
    }

    /// The Scan request for `filter`, projecting `projection` (nil: all).
    /// Projection names: #k (the key), #e (`expires`), #s (`sess`), #z
    /// (`sessz`), #x (`sesse`), #v (`ver`), #c (`created`).
    func scanRequest(_ filter: ScanFilter, projection: String?, countOnly: Bool = false) -> [JSON.Member] {
        let ours = options.prefix.isEmpty
            ? ConditionExpression("#t = :type", names: [JSON.Member("#t", "type")],
                                  values: [JSON.Member(":type", .obj(["S": .string(SessionItem.typeValue)]))])
            : ConditionExpression("begins_with(#k, :p)", names: [JSON.Member("#k", .string(options.hashKey))],
                                  values: [JSON.Member(":p", .obj(["S": .string(options.prefix)]))])
        let now = options.clock()
        // Sessions past the absolute lifetime count as expired.
        let pastMaxAge = options.maxAgeSeconds.map { maxAge in
            ConditionExpression("#c <= :oldest", names: [JSON.Member("#c", .string(WriteStamp.createdAttribute))],
                                values: [JSON.Member(":oldest", SessionStore.number(now - Double(maxAge)))])
        }
        var condition: ConditionExpression
        switch filter {
        case .live:
            condition = ours.and(SessionRule.live(now: now))
            if let pastMaxAge { condition = condition.and(pastMaxAge.negated) }
        case .expired:
            let expired = SessionRule.expired(now: now)
            condition = ours.and(pastMaxAge.map { expired.or($0) } ?? expired)
        case .any: condition = ours
        }
        // The names a projection uses must be declared, and only those.
        var projectionNames: [JSON.Member] = []
        if !countOnly, let projection {
            let known = [JSON.Member("#k", .string(options.hashKey)), JSON.Member("#e", "expires"), JSON.Member("#s", "sess"),
                         JSON.Member("#z", .string(SessionCompression.attribute)),
                         JSON.Member("#x", .string(SessionCipher.attribute)),
                         JSON.Member("#v", .string(WriteStamp.versionAttribute)),
                         JSON.Member("#c", .string(WriteStamp.createdAttribute))]
            projectionNames = known.filter { projection.contains($0.key) }
        }
        var request = [JSON.Member("TableName", .string(options.table))]
            + condition.members(as: "FilterExpression", names: projectionNames)
            + [JSON.Member("ConsistentRead", .bool(options.consistentReads))]
        if countOnly {
            request.append(JSON.Member("Select", "COUNT"))
        } else if let projection {
            request.append(JSON.Member("ProjectionExpression", .string(projection)))
        }
        return request
    }

    /// Scans page by page; `onPage` gets each page and says when to go on.
    func scanPages(_ request: [JSON.Member],
                   onPage: @escaping (JSON, @escaping (StoreError?) -> Void) -> Void,
                   done: @escaping (StoreError?) -> Void) {
        client.paginate("Scan", request, onPage: onPage, done: done)
    }

    /// Counts live sessions.
    public func length(_ completion: @escaping Completion<UInt64>) throws(StoreError) {
        try submit(completion) { [self] finish in
            var total: UInt64 = 0
            scanPages(scanRequest(.live, projection: nil, countOnly: true), onPage: { answer, next in
                total &+= UInt64(clamping: answer["Count"]?.int64Value ?? 0)
                next(nil)
            }, done: { error in
                finish(error.map { .failure($0) } ?? .success(total))
            })
        }
    }

    /// Live sessions; with `withData` false only ids (data left empty).
    public func list(withData: Bool, _ completion: @escaping Completion<[StoredSession]>) throws(StoreError) {
        try submit(completion) { [self] finish in
            var sessions: [StoredSession] = []
            var projection = withData ? "#k, #e, #s, #z, #x" : "#k, #e"
            if options.maxAgeSeconds != nil { projection += ", #c" }
            scanPages(scanRequest(.live, projection: projection), onPage: { [self] answer, next in
                let now = options.clock()
                for item in answer["Items"]?.arrayValue ?? [] {
                    guard withData else {
                        if let id = format.id(of: item), !format.isPastMaxAge(item, now: now),
                           let expires = format.liveExpiry(of: item, now: now) {
                            sessions.append(StoredSession(id: id, data: [], expires: expires))
                        }
                        continue
                    }
                    switch format.read(item, now: now) {
                    case .session(let session): sessions.append(session)
                    case .unreadable(let id, let why):
                        client.logger.log(.warn, "session \"\(ServerText.sanitized(id, limit: 128))\" left out: \(why)")
                    case .none: break
                    }
                }
                next(nil)
            }, done: { error in
                finish(error.map { .failure($0) } ?? .success(sessions))
            })
        }
    }

    /// Deletes every item of this store's prefix, live or expired.
    public func clear(_ completion: @escaping Completion<UInt64>) throws(StoreError) {
        var options = ReapOptions()
        options.target = .all
        try reap(options) { completion($0.map(\.deleted)) }
    }

    /// Deletes sessions whose expiry has passed.
    public func reap(_ completion: @escaping Completion<UInt64>) throws(StoreError) {
        try reap(ReapOptions()) { completion($0.map(\.deleted)) }
    }

    /// Deletes (or, on a dry run, counts) expired sessions or all of this
    /// store's items, with parallel segments, read and write budgets and a
    /// progress callback that can stop it (see Reaper). The result holds
    /// the counts, `cancelled` set when the callback stopped it.
    public func reap(_ reapOptions: ReapOptions, _ completion: @escaping Completion<ReapProgress>) throws(StoreError) {
        try reapOptions.validate()
        try submit(completion) { [self] finish in
            Reaper(store: self, options: reapOptions).run { [self] result in
                if case .success(let counts) = result, !reapOptions.dryRun {
                    client.logger.log(.info, "deleted \(counts.deleted) item(s) from \(options.table)")
                }
                finish(result)
            }
        }
    }
}
