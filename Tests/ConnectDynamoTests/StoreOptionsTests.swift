import Testing
@testable import ConnectDynamo

/// The one home of the options' defaults and rules: what every binding's
/// "unset" turns into, and each rule refused with a message naming the
/// setting.
struct StoreOptionsTests {
    /// Options that open without touching the machine's AWS settings.
    func isolated(_ change: (inout StoreOptions) -> Void = { _ in }) -> StoreOptions {
        var options = StoreOptions()
        options.environment = Environment { _ in nil }
        options.endpoint = "http://127.0.0.1:1"
        change(&options)
        return options
    }

    @Test func theDefaultsPassEveryRule() throws {
        try isolated().validate()
    }

    /// (what is set, a word the message must contain)
    static let brokenRules: [(String, @Sendable (inout StoreOptions) -> Void, String)] = [
        ("short table", { $0.table = "x" }, "table"),
        ("table with a space", { $0.table = "my table" }, "table"),
        ("empty hash key", { $0.hashKey = "" }, "hash_key"),
        ("hash key named like an attribute", { $0.hashKey = "sess" }, "hash_key"),
        ("prefix over the key limit", { $0.prefix = String(repeating: "p", count: 2048) }, "prefix"),
        ("region with a space", { $0.region = "bad region!" }, "region"),
        ("region ending in a hyphen", { $0.region = "us-east-" }, "region"),
        ("endpoint with an open bracket", { $0.endpoint = "http://[::1" }, "endpoint"),
        ("endpoint with a port over 65535", { $0.endpoint = "http://127.0.0.1:99999" }, "endpoint"),
        ("endpoint with port 0", { $0.endpoint = "http://127.0.0.1:0" }, "endpoint"),
        ("endpoint with a word for a port", { $0.endpoint = "http://localhost:http" }, "endpoint"),
        ("endpoint without a host", { $0.endpoint = "http://:8000" }, "endpoint"),
        ("endpoint of another scheme", { $0.endpoint = "ftp://example.com" }, "endpoint"),
        ("key id without a secret", { $0.accessKeyId = "AKID" }, "secret_access_key"),
        ("secret without a key id", { $0.secretAccessKey = "secret" }, "access_key_id"),
        ("empty key id", { $0.accessKeyId = ""; $0.secretAccessKey = "s" }, "access_key_id"),
        ("token alone", { $0.sessionToken = "token" }, "session_token"),
        ("zero TTL", { $0.defaultTTLSeconds = 0 }, "default_ttl_seconds"),
        ("negative TTL", { $0.defaultTTLSeconds = -1 }, "default_ttl_seconds"),
        ("zero read capacity", { $0.readCapacityUnits = 0 }, "read_capacity_units"),
        ("zero connect timeout", { $0.connectTimeoutMillis = 0 }, "connect_timeout_ms"),
        ("zero attempts", { $0.maxAttempts = 0 }, "max_attempts"),
        ("negative read capacity", { $0.readCapacityUnits = -5 }, "read_capacity_units"),
        ("negative write capacity", { $0.writeCapacityUnits = -5 }, "write_capacity_units"),
        ("negative connect timeout", { $0.connectTimeoutMillis = -1 }, "connect_timeout_ms"),
        ("negative request timeout", { $0.requestTimeoutMillis = -1 }, "request_timeout_ms"),
        ("21 attempts", { $0.maxAttempts = 21 }, "max_attempts"),
        ("negative attempts", { $0.maxAttempts = -1 }, "max_attempts"),
        ("65 special keys", { options in
            options.specialKeys = (0...64).map { SpecialKey(name: "k\($0)", type: .string) }
        }, "special_keys"),
        ("special key named like the hash key", { $0.specialKeys = [SpecialKey(name: "id", type: .string)] }, "special key"),
        ("empty special key", { $0.specialKeys = [SpecialKey(name: "", type: .number)] }, "special key"),
    ]

    @Test(arguments: brokenRules)
    func eachBrokenRuleIsRefusedNamingTheSetting(_ rule: (String, @Sendable (inout StoreOptions) -> Void, String)) {
        let (_, change, word) = rule
        do {
            try isolated(change).validate()
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(word), "\(error.message)")
        }
    }

    @Test func anEmptyEndpointOrRegionIsUnset() throws {
        let store = try SessionStore(options: isolated { $0.endpoint = ""; $0.region = "" })
        defer { store.close() }
        #expect(store.info.region == "us-east-1")
        #expect(store.info.endpoint == "https://dynamodb.us-east-1.amazonaws.com/")
    }

    @Test func aBadRegionFromTheEnvironmentIsRefusedAtOpen() {
        var options = isolated()
        options.environment = Environment { $0 == "AWS_REGION" ? "bad region!" : nil }
        #expect(throws: StoreError(.invalidArgument, "AWS_REGION \"bad region!\" is not a region name (letters, digits and '-')")) {
            try SessionStore(options: options)
        }
    }

    @Test func codesOfTheCEnumsOutsideTheirRangeAreRefused() {
        #expect(throws: StoreError.self) { try StoreOptions.logLevel(code: 9) }
        #expect(throws: StoreError.self) { try StoreOptions.billingMode(code: 7) }
        #expect(throws: StoreError.self) { try StoreOptions.specialKey(name: "u", type: "SS", index: 0) }
        #expect((try? StoreOptions.logLevel(code: 4)) == .debug)
        #expect((try? StoreOptions.billingMode(code: 1)) == .onDemand)
    }

    @Test func infoReportsTheEffectiveSettingsAndNoSecret() throws {
        let store = try SessionStore(options: isolated {
            $0.table = "t-info"
            $0.region = "eu-west-1"
            $0.credentials = Credentials(accessKeyId: "AKID", secretAccessKey: "SECRET")
        })
        defer { store.close() }
        let info = store.info
        #expect(info.table == "t-info")
        #expect(info.hashKey == "id" && info.prefix == "sess:")
        #expect(info.region == "eu-west-1")
        #expect(info.endpoint == "http://127.0.0.1:1/")
        #expect(info.maxAttempts == StoreOptions().maxAttempts)
        #expect(info.defaultTTLSeconds == StoreOptions().defaultTTLSeconds)
        #expect(info.explicitCredentials)
        #expect(!String(describing: info).contains("SECRET"))
    }
}
