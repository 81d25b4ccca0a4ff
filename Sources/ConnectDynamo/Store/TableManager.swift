/// Makes sure the table exists and is ACTIVE before the first session call:
/// DescribeTable; if missing, CreateTable, wait for ACTIVE by polling on a
/// timer, and enable TTL on `expires`. However many calls arrive first,
/// there is one check; they all wait for it and all see its failure. A
/// failure is not remembered: the next call checks again.
///
/// Confined to the I/O loop (one thread at a time; see IOEngine).
final class TableManager: @unchecked Sendable {
    static let pollMillis = 500
    static let maximumPolls = 600  // five minutes

    private enum State {
        case unknown
        case checking([(StoreError?) -> Void])
        case ready
    }

    private let client: DynamoDBClient
    private let table: String
    private let hashKey: String
    private let billing: BillingMode
    private let capacity: (read: Int64, write: Int64)
    private let mayCreate: Bool
    /// The user index to create with the table; nil: none.
    private let userIndex: String?
    private var state: State

    init(client: DynamoDBClient, options: StoreOptions) {
        self.client = client
        self.table = options.table
        self.hashKey = options.hashKey
        self.billing = options.billingMode
        self.capacity = (options.readCapacityUnits, options.writeCapacityUnits)
        self.mayCreate = options.createTable
        self.userIndex = options.userField == nil ? nil : options.effectiveUserIndexName
        self.state = .unknown
    }

    /// Calls back once the table is known to be ready. A store that may not
    /// create the table trusts that it exists (connect-dynamodb's
    /// `initialized`) unless `verify` asks for the check anyway.
    func ready(verify: Bool = false, _ completion: @escaping (StoreError?) -> Void) {
        if !mayCreate && !verify, case .unknown = state {
            return completion(nil)
        }
        switch state {
        case .ready:
            completion(nil)
        case .checking(var waiters):
            waiters.append(completion)
            state = .checking(waiters)
        case .unknown:
            state = .checking([completion])
            describe(polls: 0, created: false)
        }
    }

    private func finish(_ error: StoreError?) {
        guard case .checking(let waiters) = state else { return }
        state = error == nil ? .ready : .unknown
        for waiter in waiters { waiter(error) }
    }

    private func describe(polls: Int, created: Bool) {
        client.call("DescribeTable", .obj(["TableName": .string(table)])) { [self] result in
            switch result {
            case .success(let answer):
                let status = answer["Table"]?["TableStatus"]?.stringValue ?? ""
                switch status {
                case "ACTIVE", "UPDATING":
                    if created { enableTTL() } else { finish(nil) }
                case "CREATING":
                    waitAndDescribe(polls: polls, created: created)
                default:
                    finish(StoreError(.noTable, "table \(table) is \(status.isEmpty ? "in an unknown state" : ServerText.sanitized(status, limit: 64))"))
                }
            case .failure(let failure) where failure.error.code == .noTable && !created && mayCreate:
                create()
            case .failure(let failure) where failure.error.code == .noTable:
                finish(StoreError(.noTable, "table \(table) does not exist (\(failure.error.message))"))
            case .failure(let failure):
                finish(failure.error)
            }
        }
    }

    private func waitAndDescribe(polls: Int, created: Bool) {
        guard polls < TableManager.maximumPolls else {
            return finish(StoreError(.noTable, "table \(table) did not become ACTIVE in time"))
        }
        client.engine.schedule(afterMillis: TableManager.pollMillis) { [self] in
            describe(polls: polls + 1, created: created)
        }
    }

    /// The CreateTable request for the store's table: `hashKey` (S) as
    /// the HASH key, billed as the options say; with a user field, the
    /// user index too (see `userIndexDefinition`).
    func createRequest() -> JSON {
        var definitions: [JSON] = [.obj(["AttributeName": .string(hashKey), "AttributeType": "S"])]
        if userIndex != nil {
            definitions.append(.obj(["AttributeName": .string(UserField.attribute), "AttributeType": "S"]))
        }
        var request: [JSON.Member] = [
            JSON.Member("TableName", .string(table)),
            JSON.Member("AttributeDefinitions", .array(definitions)),
            JSON.Member("KeySchema", [.obj(["AttributeName": .string(hashKey), "KeyType": "HASH"])]),
        ]
        var index = userIndex.map(TableManager.userIndexDefinition)
        switch billing {
        case .onDemand:
            request.append(JSON.Member("BillingMode", "PAY_PER_REQUEST"))
        case .provisioned:
            request.append(JSON.Member("BillingMode", "PROVISIONED"))
            let throughput = JSON.obj([
                "ReadCapacityUnits": .number(String(capacity.read)),
                "WriteCapacityUnits": .number(String(capacity.write)),
            ])
            request.append(JSON.Member("ProvisionedThroughput", throughput))
            if case .object(let members)? = index {
                index = .object(members + [JSON.Member("ProvisionedThroughput", throughput)])
            }
        }
        if let index { request.append(JSON.Member("GlobalSecondaryIndexes", [index])) }
        return .object(request)
    }

    /// The user index: `uid` (S) as its HASH key, projecting the keys plus
    /// `expires` and `created`, enough to list a user's sessions with their
    /// expiry and to delete them, without copying the sessions themselves.
    static func userIndexDefinition(_ name: String) -> JSON {
        .obj([
            "IndexName": .string(name),
            "KeySchema": [.obj(["AttributeName": .string(UserField.attribute), "KeyType": "HASH"])],
            "Projection": .obj(["ProjectionType": "INCLUDE",
                                "NonKeyAttributes": ["expires", .string(WriteStamp.createdAttribute)]]),
        ])
    }

    private func create() {
        client.logger.log(.info, "creating table \(table)")
        client.call("CreateTable", createRequest()) { [self] result in
            switch result {
            case .success:
                describe(polls: 0, created: true)
            case .failure(let failure) where failure.type == "ResourceInUseException":
                // Another process created it first: wait for it like our own.
                describe(polls: 0, created: false)
            case .failure(let failure):
                finish(failure.error)
            }
        }
    }

    private func enableTTL() {
        let body = JSON.obj([
            "TableName": .string(table),
            "TimeToLiveSpecification": .obj(["AttributeName": "expires", "Enabled": true]),
        ])
        client.call("UpdateTimeToLive", body) { [self] result in
            if case .failure(let failure) = result {
                // The table works without TTL (reap still cleans up); say so.
                client.logger.log(.warn, "could not enable TTL on \(table).expires: \(failure.error.message)")
            }
            finish(nil)
        }
    }
}
