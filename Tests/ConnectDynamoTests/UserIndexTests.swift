import Testing
@testable import ConnectDynamo

/// The user index and log out everywhere, against the local DynamoDB (moto
/// serves the index: CreateTable with a GSI, Query on it).
struct UserIndexTests {
    static let endpoint = StoreFixture.endpoint

    @Test func aCreatedTableGetsTheIndexOnUid() throws {
        func request(_ change: (inout StoreOptions) -> Void) throws -> JSON {
            var options = StoreOptions()
            options.endpoint = "http://127.0.0.1:9"
            options.region = "us-east-1"
            options.credentials = Credentials(accessKeyId: "z", secretAccessKey: "z")
            options.environment = Environment { _ in nil }
            change(&options)
            let store = try SessionStore(options: options)  // no I/O until a call
            defer { store.close() }
            return store.tableManager.createRequest()
        }
        let indexed = try request { $0.userField = "user" }
        let index = indexed["GlobalSecondaryIndexes"]?.arrayValue?.first
        #expect(index?["IndexName"] == "uid-index")
        #expect(index?["KeySchema"]?.arrayValue?.first?["AttributeName"] == "uid")
        #expect(index?["ProvisionedThroughput"] != nil)
        #expect(indexed["AttributeDefinitions"]?.arrayValue?.count == 2)
        let named = try request { $0.userField = "user"; $0.userIndexName = "by-user"; $0.billingMode = .onDemand }
        #expect(named["GlobalSecondaryIndexes"]?.arrayValue?.first?["IndexName"] == "by-user")
        #expect(named["GlobalSecondaryIndexes"]?.arrayValue?.first?["ProvisionedThroughput"] == nil)
        #expect(try request { _ in }["GlobalSecondaryIndexes"] == nil)
    }

    func openStore(_ table: String, _ change: (inout StoreOptions) -> Void = { _ in }) throws -> SessionStore {
        var options = StoreFixture.options(table: table)
        options.userField = "user"
        change(&options)
        return try SessionStore(options: options)
    }

    func session(_ user: String?) -> [UInt8] {
        Array((user.map { #"{"user":"\#($0)"}"# } ?? "{}").utf8)
    }

    @Test(.enabled(if: endpoint != nil), arguments: [false, true])
    func logoutEverywhereDeletesTheUsersSessionsAndNoOneElses(hashed: Bool) throws {
        let table = uniqueTable("users")
        let store = try openStore(table) { $0.hashIds = hashed }
        let otherPrefix = try openStore(table) { $0.hashIds = hashed; $0.prefix = "other:" }
        defer { store.close(); otherPrefix.close() }
        for n in 0..<30 {  // more than one BatchWriteItem of 25
            try answer { try store.save("ada-\(n)", data: session("ada"), expires: 0, base: nil, $0) }
        }
        try answer { try store.set("bob-1", data: session("bob"), expires: 0, $0) }
        try answer { try store.set("anon", data: session(nil), expires: 0, $0) }
        try answer { try otherPrefix.set("ada-elsewhere", data: session("ada"), expires: 0, $0) }
        // an expired session of ada's is not listed, but is deleted
        try answer { try store.set("ada-old", data: session("ada"), expires: Int64(Clock.epochSeconds()) - 10, $0) }

        let listed = try answer { try store.userSessions("ada", $0) }
        #expect(listed.count == 30)
        #expect(listed.allSatisfy { $0.expires > Int64(Clock.epochSeconds()) })
        if hashed {
            #expect(Set(listed.map(\.id)).contains(IdHash(secret: nil).hex("ada-0")))
        } else {
            #expect(Set(listed.map(\.id)).contains("ada-0"))
        }
        #expect(try answer { try store.destroyUserSessions("ada", $0) } == 31)
        #expect(try answer { try store.userSessions("ada", $0) }.isEmpty)
        #expect(throws: StoreError.self) { try answer { try store.get("ada-3", $0) } }
        #expect(try answer { try store.get("bob-1", $0) }.data == session("bob"))
        #expect(try answer { try store.get("anon", $0) }.data == session(nil))
        #expect(try answer { try otherPrefix.get("ada-elsewhere", $0) }.data == session("ada"))
    }

    @Test(.enabled(if: endpoint != nil))
    func aSaveThatChangesTheUserMovesTheSessionAndALogoutLeavesTheIndex() throws {
        let store = try openStore(uniqueTable("moves"))
        defer { store.close() }
        try answer { try store.save("s", data: session("ada"), expires: 0, base: nil, $0) }
        var read = try answer { try store.get("s", $0) }
        try answer { try store.save("s", data: session("bob"), expires: 0,
                                  base: .init(version: read.version, data: read.data), $0) }
        #expect(try answer { try store.userSessions("ada", $0) }.isEmpty)
        #expect(try answer { try store.userSessions("bob", $0) }.map(\.id) == ["s"])
        read = try answer { try store.get("s", $0) }
        try answer { try store.save("s", data: session(nil), expires: 0,
                                  base: .init(version: read.version, data: read.data), $0) }
        #expect(try answer { try store.userSessions("bob", $0) }.isEmpty)
        let item = try JSON.parse(try answer { try store.item("s", $0) })
        #expect(item["uid"] == nil)
    }

    @Test(.enabled(if: endpoint != nil))
    func theAsyncCallsListAndDestroyAUsersSessions() async throws {
        let store = try openStore(uniqueTable("async-users"))
        defer { store.close() }
        try await store.set("a1", data: session("ada"), expires: 0)
        try await store.set("b1", data: session("bob"), expires: 0)
        #expect(try await store.userSessions("ada").map(\.id) == ["a1"])
        #expect(try await store.destroyUserSessions("ada") == 1)
        #expect(try await store.userSessions("ada").isEmpty)
        #expect(try await store.get("b1").data == session("bob"))
    }

    @Test(.enabled(if: endpoint != nil))
    func withoutAUserFieldTheCallsAreRefused() throws {
        let store = try openStore(uniqueTable("nouser")) { $0.userField = nil }
        defer { store.close() }
        #expect(throws: StoreError.invalid("the store has no user index: set user_field")) {
            try store.userSessions("ada") { _ in }
        }
    }
}
