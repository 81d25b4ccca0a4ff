/// A user's sessions through the user index (`StoreOptions.userField`): a
/// Query of the global secondary index on `uid` instead of a table scan.
/// DynamoDB's global indexes are eventually consistent (typically well under
/// a second behind): a session written in that moment before the call may
/// not be seen yet.
extension SessionStore {
    /// The user's live sessions of this store's prefix, with their expiry:
    /// `id` is the session id, or under hashed ids the hashed key (the
    /// table holds no id to give back); `data` is empty.
    public func userSessions(_ user: String, _ completion: @escaping Completion<[StoredSession]>) throws(StoreError) {
        let request = try userQuery(user, liveOnly: true)
        try submit(completion) { [self] finish in
            var sessions: [StoredSession] = []
            client.paginate("Query", request, onPage: { [self] answer, next in
                let now = options.clock()
                for item in answer["Items"]?.arrayValue ?? [] {
                    guard let id = format.id(of: item), !format.isPastMaxAge(item, now: now),
                          let expires = format.liveExpiry(of: item, now: now) else { continue }
                    sessions.append(StoredSession(id: id, data: [], expires: expires,
                                                  created: SessionItem.created(of: item)))
                }
                next(nil)
            }, done: { error in
                finish(error.map { .failure($0) } ?? .success(sessions))
            })
        }
    }

    /// Log out everywhere: deletes every item of this store's prefix that
    /// the user index has for the user, live or expired (BatchWriteItem,
    /// 25 at a time, unprocessed items retried with backoff), page by page.
    /// The count deleted; other users' sessions are never touched.
    public func destroyUserSessions(_ user: String, _ completion: @escaping Completion<UInt64>) throws(StoreError) {
        let request = try userQuery(user, liveOnly: false)
        try submit(completion) { [self] finish in
            var deleted: UInt64 = 0
            client.paginate("Query", request, onPage: { [self] answer, next in
                let keys = (answer["Items"]?.arrayValue ?? []).compactMap { item -> JSON? in
                    guard format.id(of: item) != nil, let key = item[options.hashKey] else { return nil }
                    return .object([JSON.Member(options.hashKey, key)])
                }
                guard !keys.isEmpty else { return next(nil) }
                BatchDeleter(client: client, table: options.table, keys: keys).run { outcome in
                    deleted &+= outcome.deleted
                    next(outcome.error)
                }
            }, done: { [self] error in
                if let error { return finish(.failure(error)) }
                client.logger.log(.info, "deleted \(deleted) session(s) of one user from \(options.table)")
                finish(.success(deleted))
            })
        }
    }

    /// The index Query for a user's items of this prefix (only the live
    /// ones, by expiry and absolute lifetime, with `liveOnly`).
    func userQuery(_ user: String, liveOnly: Bool) throws(StoreError) -> [JSON.Member] {
        guard options.userField != nil else {
            throw .invalid("the store has no user index: set user_field")
        }
        try UserField.validate(user: user)
        let now = options.clock()
        var filter: ConditionExpression?
        func add(_ condition: ConditionExpression) { filter = filter.map { $0.and(condition) } ?? condition }
        if !options.prefix.isEmpty {
            // The index holds every prefix's items: keep this store's.
            add(ConditionExpression("begins_with(#k, :p)", names: [JSON.Member("#k", .string(options.hashKey))],
                                    values: [JSON.Member(":p", .obj(["S": .string(options.prefix)]))]))
        }
        if liveOnly {
            // The index projects `expires` and `created`, not the session:
            // the expiry half of SessionRule, and the absolute lifetime.
            add(ConditionExpression("attribute_not_exists(#e) OR (attribute_type(#e, :number) AND #e > :now)",
                                    names: [JSON.Member("#e", "expires")],
                                    values: [JSON.Member(":number", .obj(["S": "N"])),
                                             JSON.Member(":now", SessionStore.number(now))]))
            if let maxAge = options.maxAgeSeconds {
                add(ConditionExpression("attribute_not_exists(#c) OR #c > :oldest",
                                        names: [JSON.Member("#c", .string(WriteStamp.createdAttribute))],
                                        values: [JSON.Member(":oldest", SessionStore.number(now - Double(maxAge)))]))
            }
        }
        let key = ConditionExpression("#u = :u", names: [JSON.Member("#u", .string(UserField.attribute))],
                                      values: [JSON.Member(":u", .obj(["S": .string(format.storedUser(user))]))])
        var members = [JSON.Member("TableName", .string(options.table)),
                       JSON.Member("IndexName", .string(options.effectiveUserIndexName))]
        // One set of names and values serves both expressions.
        let all = filter.map { key.and($0) } ?? key
        members.append(JSON.Member("KeyConditionExpression", .string(key.text)))
        if let filter { members.append(JSON.Member("FilterExpression", .string(filter.text))) }
        members.append(JSON.Member("ExpressionAttributeNames", .object(all.names)))
        members.append(JSON.Member("ExpressionAttributeValues", .object(all.values)))
        return members
    }
}
