/// Moving a table to hashed ids (`readPlainIds`): a session still under its
/// plain key is read there, and its next save writes it under the hashed
/// key (create-only, its version and `created` carried on) and then deletes
/// the plain item, unless that changed meanwhile. No session is lost and
/// none is logged out; items never saved again expire as they would have.
extension SessionStore {
    /// A save whose session has no item under its hashed key: rewrites the
    /// plain item's session, with this save's changes, hashed.
    func migratePlain(id: String, mine: [UInt8], base: SaveBase, expires: Int64, round: Int,
                      _ finish: @escaping (Result<Void, StoreError>) -> Void) {
        let read = JSON.obj(["TableName": .string(options.table), "Key": format.plainKey(id), "ConsistentRead": true])
        client.call("GetItem", read) { [self] answer in
            let plain: JSON?
            switch answer {
            case .failure(let failure): return finish(.failure(failure.error))
            case .success(let json): plain = json["Item"]
            }
            let now = options.clock()
            guard let plain, let session = format.session(from: plain, now: now) else {
                return finish(.failure(StoreError(.notFound, "session is gone (destroyed or expired): not saved")))
            }
            let data: [UInt8]
            if session.version == base.version, session.data == base.data {
                data = mine
            } else if let merged = SessionStore.merge(base: base.data, mine: mine, onto: session.data) {
                data = merged
            } else {
                return finish(.failure(StoreError(.conditionFailed,
                    "session changed meanwhile and is not a JSON object to merge onto; not saved")))
            }
            let (version, overflow) = session.version.addingReportingOverflow(1)
            guard !overflow else { return finish(.failure(.invalid("version \(session.version) is out of range"))) }
            let created = session.created > 0 ? session.created : Int64(now.rounded(.down))
            let stamp = WriteStamp(version: version, token: WriteStamp.newToken(), created: created)
            let item: JSON
            do throws(StoreError) {
                item = try data.withUnsafeBufferPointer { (buffer) throws(StoreError) in
                    try format.item(id: id, data: buffer, expires: expires, stamp: stamp)
                }
            } catch {
                return finish(.failure(error))
            }
            let condition = WriteCondition.noLiveSession
            let put = JSON.object([JSON.Member("TableName", .string(options.table)), JSON.Member("Item", item)]
                + condition.members(now: now))
            conditionalWrite("PutItem", put, id: id, token: stamp.token) { [self] current in
                // Another request migrated it first: merge onto that, as any save.
                resolveConflict(id: id, current: current, mine: mine, base: base, expires: expires,
                                round: round + 1, mayMigrate: false, finish)
            } done: { [self] result in
                guard case .success = result else { return finish(result) }
                deletePlain(id: id, as: session, finish)
            }
        }
    }

    /// Deletes the plain item once its session is written hashed, if it is
    /// still the session that was moved (a writer that knows only plain
    /// keys may have changed it; then it stays, shadowed by the hashed one,
    /// until it expires).
    private func deletePlain(id: String, as moved: StoredSession, _ finish: @escaping (Result<Void, StoreError>) -> Void) {
        let condition = SessionStore.stillAsRead(SaveBase(version: moved.version, data: moved.data))
        let body = JSON.object([
            JSON.Member("TableName", .string(options.table)),
            JSON.Member("Key", format.plainKey(id)),
        ] + condition.members(as: "ConditionExpression"))
        client.call("DeleteItem", body) { [self] result in
            if case .failure(let failure) = result {
                options.logger.log(.info, "session rewritten hashed; its plain item stays: \(failure.error.message)")
            }
            finish(.success(()))
        }
    }
}
