/// How fast a whole-table re-encryption goes (`SessionStore.reencrypt`):
/// the read budget paces its Scan, the write budget its rewrites, as the
/// reaper's do (CapacityBudget).
public struct ReencryptOptions: Sendable {
    /// Read capacity units per second for the scan; 0: no limit.
    public var readUnitsPerSecond: Double = 0
    /// Write capacity units per second for the rewrites; 0: no limit.
    public var writeUnitsPerSecond: Double = 0
    /// Items per Scan page (DynamoDB's Limit), 0: as many as fit in 1 MB.
    public var pageSize = 0
    /// Monotonic seconds, for the budgets; injectable for tests.
    public var clock: @Sendable () -> Double = { Double(Clock.monotonicMillis()) / 1000 }

    public init() {}

    func validate() throws(StoreError) {
        try CapacityBudget.validate(readUnitsPerSecond: readUnitsPerSecond, writeUnitsPerSecond: writeUnitsPerSecond,
                                    pageSize: pageSize)
    }
}

/// The counts of a re-encryption.
public struct ReencryptProgress: Sendable, Equatable {
    /// Live sessions the scan read.
    public var scanned: UInt64 = 0
    /// Already encrypted under the first key: left alone.
    public var current: UInt64 = 0
    /// Rewritten under the first key (encrypted sessions under an older
    /// key, and sessions in the clear).
    public var reencrypted: UInt64 = 0
    /// Written by someone else between the scan and the rewrite: left to
    /// that write (whose store encrypts with its own first key).
    public var changed: UInt64 = 0
    /// No key of the ring opens them, or DynamoDB refused the rewrite
    /// (e.g. over 400 KB once encrypted): left alone, with a warning each.
    public var unreadable: UInt64 = 0
    public var readUnits: Double = 0
    public var writeUnits: Double = 0
    public var elapsedSeconds: Double = 0

    public init() {}
}

extension SessionStore {
    /// Rewrites every live session not encrypted under the first key of
    /// the ring (older keys, and sessions in the clear) under it, one
    /// conditional UpdateItem each that touches only the session attribute
    /// (`ver` stays, so a save in flight still lands): a session written
    /// meanwhile is left to that write. Paced by the budgets. `.invalid`
    /// when the store has no encryption keys.
    public func reencrypt(_ reencryptOptions: ReencryptOptions,
                          _ completion: @escaping Completion<ReencryptProgress>) throws(StoreError) {
        guard format.encrypts else { throw .invalid("re-encryption needs encryption_keys") }
        try reencryptOptions.validate()
        try submit(completion) { [self] finish in
            Reencryptor(store: self, options: reencryptOptions).run { [self] result in
                if case .success(let counts) = result {
                    client.logger.log(.info, "re-encrypted \(counts.reencrypted) session(s) of \(options.table)")
                }
                finish(result)
            }
        }
    }
}

/// A sequential, paced walk of the table that rewrites each session not
/// under the ring's first key. Confined to the I/O loop.
final class Reencryptor {
    private let store: SessionStore
    private let options: ReencryptOptions
    private let readBudget: CapacityBudget
    private let writeBudget: CapacityBudget
    private let started: Double
    private var progress = ReencryptProgress()
    private var completion: ((Result<ReencryptProgress, StoreError>) -> Void)?
    private var pageEstimate: Double = 1

    init(store: SessionStore, options: ReencryptOptions) {
        self.store = store
        self.options = options
        readBudget = CapacityBudget(unitsPerSecond: options.readUnitsPerSecond, now: options.clock)
        writeBudget = CapacityBudget(unitsPerSecond: options.writeUnitsPerSecond, now: options.clock)
        started = options.clock()
    }

    func run(_ completion: @escaping (Result<ReencryptProgress, StoreError>) -> Void) {
        self.completion = completion
        var request = store.scanRequest(.live, projection: "#k, #s, #z, #x")
        request.append(JSON.Member("ReturnConsumedCapacity", "TOTAL"))
        if options.pageSize > 0 { request.append(JSON.Member("Limit", .number(String(options.pageSize)))) }
        page(request, after: nil)
    }

    private func finish(_ error: StoreError?) {
        guard let completion else { return }
        self.completion = nil
        progress.elapsedSeconds = max(0, options.clock() - started)
        completion(error.map { .failure($0) } ?? .success(progress))
    }

    private func page(_ request: [JSON.Member], after startKey: JSON?) {
        let wait = readBudget.delayMillis()
        if wait > 0 {
            return store.engine.schedule(afterMillis: wait) { [self] in page(request, after: startKey) }
        }
        let estimate = pageEstimate
        readBudget.spend(estimate)
        var body = request
        if let startKey { body.append(JSON.Member("ExclusiveStartKey", startKey)) }
        store.client.call("Scan", .object(body)) { [self] result in
            switch result {
            case .failure(let failure):
                finish(failure.error)
            case .success(let answer):
                let units = Reaper.capacityUnits(answer["ConsumedCapacity"]) ?? 0
                readBudget.spend(units - estimate)
                pageEstimate = max(units, 0.5)
                progress.readUnits += units
                let items = answer["Items"]?.arrayValue ?? []
                progress.scanned &+= UInt64(items.count)
                let next = answer["LastEvaluatedKey"].flatMap { $0.objectValue?.isEmpty == false ? $0 : nil }
                rewrite(items, from: 0) { [self] in
                    if let next { page(request, after: next) } else { finish(nil) }
                }
            }
        }
    }

    /// Rewrites the items from `index` on, one at a time, then `then`.
    private func rewrite(_ items: [JSON], from start: Int, then: @escaping () -> Void) {
        var index = start
        var request: JSON?
        while index < items.count, request == nil {
            request = rewriteRequest(items[index])
            index += 1
        }
        guard let request else { return then() }
        let wait = writeBudget.delayMillis()
        if wait > 0 {
            return store.engine.schedule(afterMillis: wait) { [self] in rewrite(items, from: index - 1, then: then) }
        }
        writeBudget.spend(1)
        store.client.call("UpdateItem", request) { [self] result in
            switch result {
            case .success(let answer):
                let units = Reaper.capacityUnits(answer["ConsumedCapacity"]) ?? 1
                writeBudget.spend(units - 1)
                progress.writeUnits += units
                progress.reencrypted &+= 1
            case .failure(let failure) where failure.error.code == .conditionFailed:
                progress.changed &+= 1
            case .failure(let failure) where failure.error.code == .validation:
                progress.unreadable &+= 1
                store.client.logger.log(.warn, "re-encryption: a session left as it is: \(failure.error.message)")
            case .failure(let failure):
                return finish(failure.error)
            }
            rewrite(items, from: index, then: then)
        }
    }

    /// The conditional UpdateItem that puts an item's session under the
    /// first key, or nil when there is nothing to do (counted here).
    func rewriteRequest(_ item: JSON) -> JSON? {
        let format = store.format
        guard let current = format.encryptionKeys.first, let key = item[store.options.hashKey],
              let itemKey = key["S"]?.stringValue else { return nil }
        var names = [JSON.Member("#x", .string(SessionCipher.attribute))]
        var values: [JSON.Member] = []
        let plaintext: [UInt8], kind: SessionCipher.Format, condition: String
        var update = "SET #x = :new"
        if let encoded = item[SessionCipher.attribute]?["B"]?.stringValue {
            let blob = Base64.decode(encoded) ?? []
            if let envelope = SessionCipher.envelope(of: blob), envelope.keyId == current.id,
               SessionCipher.Format(rawValue: envelope.format) != nil {
                progress.current &+= 1
                return nil
            }
            switch SessionCipher.open(blob, ring: format.encryptionKeys, itemKey: itemKey) {
            case .failure(let failure):
                progress.unreadable &+= 1
                let id = format.id(of: item) ?? ""
                store.client.logger.log(.warn, "re-encryption: session \"\(ServerText.sanitized(id, limit: 128))\" left as it is: \(failure)")
                return nil
            case .success(let (opened, text)):
                (kind, plaintext) = (opened, text)
            }
            condition = "#x = :old"
            values.append(JSON.Member(":old", .obj(["B": .string(encoded)])))
        } else {
            // In the clear: encrypted now, and given a version if it has
            // none (a save conditions an encrypted session on `ver`).
            let clear: (name: String, placeholder: String, value: JSON)
            if let sess = item["sess"]?["S"]?.stringValue {
                let text = Array(sess.utf8)
                let deflated = format.compressThresholdBytes.flatMap { text.count >= $0 ? text.withUnsafeBufferPointer(SessionCompression.deflate) : nil }
                (kind, plaintext) = deflated.map { (.deflated, $0) } ?? (.json, text)
                clear = ("sess", "#s", .obj(["S": .string(sess)]))
            } else if let encoded = item[SessionCompression.attribute]?["B"]?.stringValue, let deflated = Base64.decode(encoded) {
                (kind, plaintext) = (.deflated, deflated)
                clear = (SessionCompression.attribute, "#z", .obj(["B": .string(encoded)]))
            } else {
                return nil
            }
            names += [JSON.Member(clear.placeholder, .string(clear.name)),
                      JSON.Member("#v", .string(WriteStamp.versionAttribute))]
            values += [JSON.Member(":old", clear.value), JSON.Member(":one", SessionStore.number(Int64(1)))]
            condition = "\(clear.placeholder) = :old AND attribute_not_exists(#x)"
            update += ", #v = if_not_exists(#v, :one) REMOVE \(clear.placeholder)"
        }
        let sealed = plaintext.withUnsafeBufferPointer { SessionCipher.seal($0, format: kind, key: current, itemKey: itemKey) }
        guard let sealed else {
            progress.unreadable &+= 1
            store.client.logger.log(.warn, "re-encryption: libcrypto could not encrypt a session; left as it is")
            return nil
        }
        values.append(JSON.Member(":new", .obj(["B": .string(Base64.encode(sealed))])))
        return .object([
            JSON.Member("TableName", .string(store.options.table)),
            JSON.Member("Key", .object([JSON.Member(store.options.hashKey, key)])),
            JSON.Member("UpdateExpression", .string(update)),
            JSON.Member("ConditionExpression", .string(condition)),
            JSON.Member("ExpressionAttributeNames", .object(names)),
            JSON.Member("ExpressionAttributeValues", .object(values)),
            JSON.Member("ReturnConsumedCapacity", "TOTAL"),
        ])
    }
}
