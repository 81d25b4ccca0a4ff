/// Versioned saves: a save carries what it read (the session's version and
/// JSON), is written only if the session is still that version, and on a
/// conflict merges its own changes onto the newer session and tries again.
/// No request's changes are lost to another's, and a session destroyed or
/// expired meanwhile stays gone.
extension SessionStore {
    /// What a versioned save starts from: the session as it was read
    /// (`StoredSession.version` and `.data`).
    public struct SaveBase: Sendable, Equatable {
        /// The version read; 0 for an item without one (written by
        /// connect-dynamodb or by a plain set), whose `sess` text then
        /// stands in for the version.
        public var version: Int64
        /// The session JSON exactly as read.
        public var data: [UInt8]

        public init(version: Int64, data: [UInt8]) {
            self.version = version
            self.data = data
        }
    }

    /// Writes before a save gives up on a session that keeps changing
    /// under it (each conflict costs a read and a write).
    static let maximumSaveRounds = 8

    /// Saves a session (a JSON object) with no lost updates.
    ///
    /// Without a base the session is new and written create-only
    /// (`.conditionFailed` if a live session has the id). With one, the
    /// write happens only if the stored session is still the one read; if
    /// another write came first, this save's changes relative to `base`
    /// (top-level keys added, changed or removed) are applied onto the
    /// session as it now is, and written in turn (a key both changed takes
    /// this save's value). `.notFound` when the session was destroyed or
    /// expired meanwhile: nothing is written. `.conditionFailed` after
    /// `maximumSaveRounds` conflicts, or when the stored session is not a
    /// JSON object to merge onto. `created` is kept across saves. With
    /// `options.lastWriterWins`, a plain `set` instead.
    public func save(_ id: String, data: UnsafeBufferPointer<UInt8>, expires: Int64, base: SaveBase?,
                     _ completion: @escaping Completion<Void>) throws(StoreError) {
        if options.lastWriterWins {
            return try set(id, data: data, expires: expires, condition: .none, completion)
        }
        try format.validate(id: id)
        let expiresAt = try expiry(expires)
        let now = options.clock()
        // a lazy touch of a request that read before this save need not write
        recentExpiries.writing(id, expires: expiresAt)
        let completion: Completion<Void> = { [recentExpiries] result in
            if case .failure = result { recentExpiries.failed(id, expires: expiresAt) }
            completion(result)
        }
        do {
            try versionedSave(id, data: data, expiresAt: expiresAt, now: now, base: base, completion)
        } catch {
            recentExpiries.failed(id, expires: expiresAt)
            throw error
        }
    }

    private func versionedSave(_ id: String, data: UnsafeBufferPointer<UInt8>, expiresAt: Int64, now: Double,
                               base: SaveBase?, _ completion: @escaping Completion<Void>) throws(StoreError) {
        guard let base else {
            let stamp = WriteStamp.fresh(version: 1, now: now)
            let item = try format.item(id: id, data: data, expires: expiresAt, stamp: stamp)
            return try createOnly(item: item, token: stamp.token, id: id, now: now, completion)
        }
        let mine = Array(data)
        let first = try updateRequest(id: id, data: data, expires: expiresAt, base: base, now: now)
        try submit(completion) { [self] finish in
            saveRound(id: id, request: first, mine: mine, base: base, expires: expiresAt, round: 1, finish)
        }
    }

    public func save(_ id: String, data: [UInt8], expires: Int64, base: SaveBase?,
                     _ completion: @escaping Completion<Void>) throws(StoreError) {
        try data.withUnsafeBufferPointer { (buffer) throws(StoreError) in
            try save(id, data: buffer, expires: expires, base: base, completion)
        }
    }

    /// One write of a save, and on a conflict the merge and the next round.
    private func saveRound(id: String, request: (body: JSON, token: String), mine: [UInt8], base: SaveBase,
                           expires: Int64, round: Int, _ finish: @escaping (Result<Void, StoreError>) -> Void) {
        conditionalWrite("UpdateItem", request.body, id: id, token: request.token) { [self] current in
            resolveConflict(id: id, current: current, mine: mine, base: base, expires: expires, round: round,
                            mayMigrate: options.readPlainIds, finish)
        } done: { finish($0) }
    }

    /// After a save's write met another write: merges this save's changes
    /// onto the session as it now is (`current`, nil when there is no item
    /// under the key) and writes again; with `mayMigrate`, a session that
    /// is only under its plain key is rewritten hashed (SessionStore+Migration).
    func resolveConflict(id: String, current: JSON?, mine: [UInt8], base: SaveBase, expires: Int64, round: Int,
                         mayMigrate: Bool, _ finish: @escaping (Result<Void, StoreError>) -> Void) {
        let now = options.clock()
        if current == nil, mayMigrate {
            return migratePlain(id: id, mine: mine, base: base, expires: expires, round: round, finish)
        }
        let reading = current.map { format.read($0, now: now) } ?? .none
        guard case .session(let session) = reading else {
            if case .unreadable(let id, let why) = reading {
                options.logger.log(.warn, "session \"\(ServerText.sanitized(id, limit: 128))\" read as no session: \(why)")
            }
            return finish(.failure(StoreError(.notFound, "session is gone (destroyed or expired): not saved")))
        }
        guard round < SessionStore.maximumSaveRounds else {
            return finish(.failure(StoreError(.conditionFailed,
                "session changed under \(SessionStore.maximumSaveRounds) saves in a row; not saved")))
        }
        guard let merged = SessionStore.merge(base: base.data, mine: mine, onto: session.data) else {
            return finish(.failure(StoreError(.conditionFailed,
                "session changed meanwhile and is not a JSON object to merge onto; not saved")))
        }
        let newBase = SaveBase(version: session.version, data: session.data)
        options.logger.log(.debug, "save: session changed meanwhile (version \(base.version) -> \(session.version)); merged, round \(round + 1)")
        do throws(StoreError) {
            let next = try merged.withUnsafeBufferPointer { (buffer) throws(StoreError) in
                try updateRequest(id: id, data: buffer, expires: expires, base: newBase, now: now)
            }
            saveRound(id: id, request: next, mine: merged, base: newBase, expires: expires, round: round + 1, finish)
        } catch {
            finish(.failure(error))
        }
    }

    /// The item is still the session `base` read: its version, or for an
    /// item without one (connect-dynamodb's), its `sess` text.
    static func stillAsRead(_ base: SaveBase) -> ConditionExpression {
        let version = JSON.Member("#v", .string(WriteStamp.versionAttribute))
        if base.version > 0 {
            return ConditionExpression("#v = :v", names: [version],
                                       values: [JSON.Member(":v", SessionStore.number(base.version))])
        }
        // No version to compare: the text read is the version.
        return ConditionExpression("attribute_not_exists(#v) AND #s = :base",
                                   names: [version, JSON.Member("#s", "sess")],
                                   values: [JSON.Member(":base", .obj(["S": .string(String(decoding: base.data, as: UTF8.self))]))])
    }

    /// This save's changes (`mine` relative to `base`) applied onto
    /// `current`; nil when one of them is not a JSON object.
    static func merge(base: [UInt8], mine: [UInt8], onto current: [UInt8]) -> [UInt8]? {
        guard let baseMembers = SessionMerge.members(of: base), let mineMembers = SessionMerge.members(of: mine),
              let currentMembers = SessionMerge.members(of: current) else { return nil }
        return JSON.object(SessionMerge.apply(base: baseMembers, mine: mineMembers, onto: currentMembers)).encoded()
    }

    /// The UpdateItem of a save from `base`: every attribute of the item
    /// set, `created` kept (or set, for an item from before it existed),
    /// special keys the session lacks removed, on the condition that the
    /// session is live and still the one read.
    func updateRequest(id: String, data: UnsafeBufferPointer<UInt8>, expires: Int64, base: SaveBase,
                       now: Double) throws(StoreError) -> (body: JSON, token: String) {
        let (next, overflow) = base.version.addingReportingOverflow(1)
        guard base.version >= 0, !overflow else { throw .invalid("base version \(base.version) is out of range") }
        return try updateRequest(id: id, data: data, expires: expires, stamp: WriteStamp.fresh(version: next, now: now),
                                 condition: .base(base), now: now)
    }

    /// What an UpdateItem that writes a whole session is conditioned on.
    enum UpdateCondition {
        /// A versioned save's: still the version (or text) read.
        case base(SaveBase)
        /// A plain set's (an encrypting store's set is an UpdateItem, so
        /// that the item gets a version one more than it had).
        case write(WriteCondition)
    }

    /// The UpdateItem that writes a session whole under `condition`. A
    /// stamp without a version writes one more than the item's (1 for a
    /// new item).
    func updateRequest(id: String, data: UnsafeBufferPointer<UInt8>, expires: Int64, stamp: WriteStamp,
                       condition update: UpdateCondition, now: Double) throws(StoreError) -> (body: JSON, token: String) {
        let item = try format.item(id: id, data: data, expires: expires, stamp: stamp)
        var names: [JSON.Member] = [], values: [JSON.Member] = [], sets: [String] = [], removes: [String] = []
        for (index, member) in (item.objectValue ?? []).enumerated() where member.key != options.hashKey {
            names.append(JSON.Member("#a\(index)", .string(member.key)))
            values.append(JSON.Member(":a\(index)", member.value))
            switch member.key {
            case WriteStamp.createdAttribute:
                sets.append("#a\(index) = if_not_exists(#a\(index), :a\(index))")
            case WriteStamp.versionAttribute where stamp.version == nil:
                // :a<index> is 1 (see SessionItem.item): the item's + 1, or 1
                values.append(JSON.Member(":zero", SessionStore.number(Int64(0))))
                sets.append("#a\(index) = if_not_exists(#a\(index), :zero) + :a\(index)")
            default:
                sets.append("#a\(index) = :a\(index)")
            }
        }
        for (index, special) in options.specialKeys.enumerated() where item[special.name] == nil {
            names.append(JSON.Member("#r\(index)", .string(special.name)))
            removes.append("#r\(index)")
        }
        if format.userField != nil, item[UserField.attribute] == nil {
            // a session without a user id (logged out) leaves the user's index
            names.append(JSON.Member("#u", .string(UserField.attribute)))
            removes.append("#u")
        }
        // the session is in one form, never two
        for (index, form) in ["sess", SessionCompression.attribute, SessionCipher.attribute].enumerated()
        where item[form] == nil {
            names.append(JSON.Member("#f\(index)", .string(form)))
            removes.append("#f\(index)")
        }
        var expression = "SET " + sets.joined(separator: ", ")
        if !removes.isEmpty { expression += " REMOVE " + removes.joined(separator: ", ") }

        let base: SaveBase
        switch update {
        case .base(let read):
            base = read
        case .write(let writeCondition):
            let body = JSON.object([
                JSON.Member("TableName", .string(options.table)),
                JSON.Member("Key", format.key(id)),
                JSON.Member("UpdateExpression", .string(expression)),
            ] + writeCondition.members(now: now, names: names, values: values))
            return (body, stamp.token)
        }
        let asRead = SessionStore.stillAsRead(base)
        var condition = asRead.text + " AND (attribute_not_exists(#e) OR #e > :now)"
        names += [JSON.Member("#e", "expires")] + asRead.names
        values += [JSON.Member(":now", SessionStore.number(now))] + asRead.values
        if let maxAge = options.maxAgeSeconds {
            // a session past its absolute lifetime is gone, as on read
            condition += " AND (attribute_not_exists(#c) OR #c > :oldest)"
            names.append(JSON.Member("#c", .string(WriteStamp.createdAttribute)))
            values.append(JSON.Member(":oldest", SessionStore.number(now - Double(maxAge))))
        }
        let body = JSON.object([
            JSON.Member("TableName", .string(options.table)),
            JSON.Member("Key", format.key(id)),
            JSON.Member("UpdateExpression", .string(expression)),
            JSON.Member("ConditionExpression", .string(condition)),
            JSON.Member("ExpressionAttributeNames", .object(names)),
            JSON.Member("ExpressionAttributeValues", .object(values)),
        ])
        return (body, stamp.token)
    }

    /// A create-only PutItem of a stamped item: `.conditionFailed` when a
    /// live session has the id, unless that session is this very write
    /// (landed on an attempt whose answer was lost).
    func createOnly(item: JSON, token: String, id: String, now: Double,
                    _ completion: @escaping Completion<Void>) throws(StoreError) {
        let condition = WriteCondition.noLiveSession
        let request = JSON.object([JSON.Member("TableName", .string(options.table)), JSON.Member("Item", item)]
            + condition.members(now: now))
        try submit(completion) { [self] finish in
            conditionalWrite("PutItem", request, id: id, token: token) { _ in
                finish(.failure(StoreError(.conditionFailed, "a live session with this id exists")))
            } done: { finish($0) }
        }
    }

    /// A conditional write that is idempotent across retries: when its
    /// condition fails, the item is read back (strongly consistent), and
    /// if it carries this write's token an earlier attempt of this very
    /// request landed and only its answer was lost (a reset, a bad CRC):
    /// that is success. Otherwise `conflict` gets the item as it is (nil
    /// when there is none) and must finish the call. Runs on the I/O loop.
    func conditionalWrite(_ operation: String, _ body: JSON, id: String, token: String,
                          conflict: @escaping (JSON?) -> Void,
                          done: @escaping (Result<Void, StoreError>) -> Void) {
        client.call(operation, body) { [self] result in
            switch result {
            case .success:
                return done(.success(()))
            case .failure(let failure) where failure.error.code != .conditionFailed:
                return done(.failure(failure.error))
            case .failure:
                break
            }
            let read = JSON.obj(["TableName": .string(options.table), "Key": format.key(id), "ConsistentRead": true])
            client.call("GetItem", read) { answer in
                switch answer {
                case .failure(let failure):
                    done(.failure(failure.error))
                case .success(let json):
                    let item = json["Item"]
                    if let item, SessionItem.writeToken(of: item) == token {
                        self.options.logger.log(.info, "\(operation): an earlier attempt of this write landed; its answer was lost")
                        return done(.success(()))
                    }
                    conflict(item)
                }
            }
        }
    }
}
