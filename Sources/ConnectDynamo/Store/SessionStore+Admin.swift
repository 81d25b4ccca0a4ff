/// What an operator asks of a store's table beyond single sessions: how the
/// table stands (describe), TTL on `expires`, and the ids of expired
/// sessions. Used by the connectdynamo tool through the C API.
extension SessionStore {
    /// Which sessions `sessions(_:)` lists.
    public enum Listing: Sendable {
        case live      // what `get` would return
        case expired   // past their expiry, left for TTL or a reap
    }

    /// Ids and expiries (data left empty) of live or of expired sessions.
    public func sessions(_ which: Listing, _ completion: @escaping Completion<[StoredSession]>) throws(StoreError) {
        switch which {
        case .live:
            try list(withData: false, completion)
        case .expired:
            try submit(completion) { [self] finish in
                var sessions: [StoredSession] = []
                scanPages(scanRequest(.expired, projection: "#k, #e"), onPage: { [self] answer, next in
                    for item in answer["Items"]?.arrayValue ?? [] {
                        guard let id = format.id(of: item),
                              let expires = item["expires"]?["N"]?.doubleValue, expires.isFinite else { continue }
                        let floored = expires >= 9.2e18 ? Int64.max : expires <= -9.2e18 ? Int64.min
                            : Int64(expires.rounded(.down))
                        sessions.append(StoredSession(id: id, data: [], expires: floored))
                    }
                    next(nil)
                }, done: { error in
                    finish(error.map { .failure($0) } ?? .success(sessions))
                })
            }
        }
    }

    /// The table as DynamoDB describes it, its TTL setting, and this
    /// store's items counted by state (one Scan of the whole table), as a
    /// JSON object:
    ///
    ///     {"table", "status", "billing", "read_capacity_units",
    ///      "write_capacity_units", "item_count", "size_bytes" (DynamoDB's
    ///      figures, refreshed by it about every six hours),
    ///      "ttl_status", "ttl_attribute", "hash_key", "prefix",
    ///      "sessions": {"live", "expired", "stubs" (this store's items
    ///      without a `sess`), "foreign" (other items in the table)}}
    public func describe(_ completion: @escaping Completion<[UInt8]>) throws(StoreError) {
        try submit(completion) { [self] finish in
            client.call("DescribeTable", .obj(["TableName": .string(options.table)])) { [self] result in
                let table: JSON
                switch result {
                case .failure(let failure): return finish(.failure(failure.error))
                case .success(let answer): table = answer["Table"] ?? .null
                }
                client.call("DescribeTimeToLive", .obj(["TableName": .string(options.table)])) { [self] result in
                    let ttl: JSON
                    switch result {
                    case .failure(let failure): return finish(.failure(failure.error))
                    case .success(let answer): ttl = answer["TimeToLiveDescription"] ?? .null
                    }
                    countByState { [self] counts in
                        switch counts {
                        case .failure(let error): finish(.failure(error))
                        case .success(let counts):
                            finish(.success(describeJSON(table: table, ttl: ttl, counts: counts).encoded()))
                        }
                    }
                }
            }
        }
    }

    private struct StateCounts { var live: UInt64 = 0, expired: UInt64 = 0, stubs: UInt64 = 0, foreign: UInt64 = 0 }

    private func countByState(_ completion: @escaping (Result<StateCounts, StoreError>) -> Void) {
        var counts = StateCounts()
        let request: [JSON.Member] = [
            JSON.Member("TableName", .string(options.table)),
            JSON.Member("ProjectionExpression", "#k, #e, #t, #s, #z, #x"),
            JSON.Member("ExpressionAttributeNames", .obj(["#k": .string(options.hashKey), "#e": "expires",
                                                          "#t": "type", "#s": "sess",
                                                          "#z": .string(SessionCompression.attribute),
                                                          "#x": .string(SessionCipher.attribute)])),
        ]
        scanPages(request, onPage: { [self] answer, next in
            let now = Clock.epochSeconds()
            for item in answer["Items"]?.arrayValue ?? [] {
                if !isOurs(item) {
                    counts.foreign &+= 1
                } else if item["sess"]?["S"] == nil, item[SessionCompression.attribute]?["B"] == nil,
                          item[SessionCipher.attribute]?["B"] == nil {
                    counts.stubs &+= 1
                } else if format.session(from: item, now: now) == nil {
                    counts.expired &+= 1
                } else {
                    counts.live &+= 1
                }
            }
            next(nil)
        }, done: { error in
            completion(error.map { .failure($0) } ?? .success(counts))
        })
    }

    /// The rule of the scans' filter (see scanRequest): the prefix, or with
    /// no prefix the `type` attribute.
    private func isOurs(_ item: JSON) -> Bool {
        if options.prefix.isEmpty { return item["type"]?["S"]?.stringValue == SessionItem.typeValue }
        return format.id(of: item) != nil
    }

    private func describeJSON(table: JSON, ttl: JSON, counts: StateCounts) -> JSON {
        func number(_ value: JSON?) -> JSON { value?.int64Value.map { .number(String($0)) } ?? .null }
        let billing = table["BillingModeSummary"]?["BillingMode"]?.stringValue ?? "PROVISIONED"
        let throughput = table["ProvisionedThroughput"]
        return .object([
            JSON.Member("table", .string(options.table)),
            JSON.Member("endpoint", .string(endpoint.url)),
            JSON.Member("region", .string(region)),
            JSON.Member("status", table["TableStatus"] ?? .null),
            JSON.Member("billing", .string(billing)),
            JSON.Member("read_capacity_units", billing == "PAY_PER_REQUEST" ? .null : number(throughput?["ReadCapacityUnits"])),
            JSON.Member("write_capacity_units", billing == "PAY_PER_REQUEST" ? .null : number(throughput?["WriteCapacityUnits"])),
            JSON.Member("item_count", number(table["ItemCount"])),
            JSON.Member("size_bytes", number(table["TableSizeBytes"])),
            JSON.Member("ttl_status", ttl["TimeToLiveStatus"] ?? "DISABLED"),
            JSON.Member("ttl_attribute", ttl["AttributeName"] ?? .null),
            JSON.Member("hash_key", .string(options.hashKey)),
            JSON.Member("prefix", .string(options.prefix)),
            JSON.Member("sessions", .object([
                JSON.Member("live", .number(String(counts.live))),
                JSON.Member("expired", .number(String(counts.expired))),
                JSON.Member("stubs", .number(String(counts.stubs))),
                JSON.Member("foreign", .number(String(counts.foreign))),
            ])),
        ])
    }

    /// Turns on DynamoDB's TTL on `expires` (what the store does for a
    /// table it creates). Already on: nothing to do. On another attribute:
    /// `.validation`, since a table has one TTL attribute.
    public func enableTTL(_ completion: @escaping Completion<Void>) throws(StoreError) {
        try submit(completion) { [self] finish in
            client.call("DescribeTimeToLive", .obj(["TableName": .string(options.table)])) { [self] result in
                switch result {
                case .failure(let failure):
                    return finish(.failure(failure.error))
                case .success(let answer):
                    let ttl = answer["TimeToLiveDescription"]
                    let status = ttl?["TimeToLiveStatus"]?.stringValue ?? "DISABLED"
                    let attribute = ttl?["AttributeName"]?.stringValue
                    if status == "ENABLED" || status == "ENABLING" {
                        if attribute == nil || attribute == "expires" { return finish(.success(())) }
                        return finish(.failure(StoreError(.validation,
                            "TTL of table \(options.table) is on attribute \(attribute ?? ""), not expires")))
                    }
                }
                let body = JSON.obj([
                    "TableName": .string(options.table),
                    "TimeToLiveSpecification": .obj(["AttributeName": "expires", "Enabled": true]),
                ])
                client.call("UpdateTimeToLive", body) { result in
                    finish(result.map { _ in () }.mapError(\.error))
                }
            }
        }
    }
}
