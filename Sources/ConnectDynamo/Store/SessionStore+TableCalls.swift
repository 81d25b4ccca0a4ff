/// connect-dynamodb's describeSessionsTable and createSessionsTable: one
/// DynamoDB request each, answered with DynamoDB's own JSON, for hosts
/// that run connect-dynamodb's initialisation themselves (describe, then
/// create on ResourceNotFoundException). Unlike the session calls they do
/// not wait for the store's own table check, which would answer the
/// question they ask.
extension SessionStore {
    /// DynamoDB's DescribeTable answer for the store's table (e.g.
    /// {"Table": {"TableStatus": "ACTIVE", ...}}); `.noTable` when it does
    /// not exist.
    public func describeTable(_ completion: @escaping Completion<[UInt8]>) throws(StoreError) {
        try submit(completion, tableCheck: false) { [self] finish in
            client.call("DescribeTable", .obj(["TableName": .string(options.table)])) { result in
                finish(result.map { $0.encoded() }.mapError(\.error))
            }
        }
    }

    /// Sends CreateTable for the store's table (its hash key, billing mode
    /// and capacities) and answers with DynamoDB's answer (e.g.
    /// {"TableDescription": {"TableStatus": "CREATING", ...}}). Does not
    /// wait for ACTIVE nor enable TTL: `ensureTable` and `enableTTL` do.
    public func createTable(_ completion: @escaping Completion<[UInt8]>) throws(StoreError) {
        try submit(completion, tableCheck: false) { [self] finish in
            client.logger.log(.info, "creating table \(options.table)")
            client.call("CreateTable", tableManager.createRequest()) { result in
                finish(result.map { $0.encoded() }.mapError(\.error))
            }
        }
    }
}
