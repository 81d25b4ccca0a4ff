/// How a created table is billed.
public enum BillingMode: Sendable, Equatable {
    case provisioned(readCapacityUnits: Int64, writeCapacityUnits: Int64)
    case onDemand
}

/// A session field copied into a top-level attribute on every write
/// (connect-dynamodb's specialKeys), so an index can find sessions by it.
public struct SpecialKey: Sendable, Equatable {
    public enum AttributeType: String, Sendable {
        case string = "S", number = "N", bool = "BOOL"
    }
    public var name: String
    public var type: AttributeType

    public init(name: String, type: AttributeType) {
        self.name = name
        self.type = type
    }
}

/// When a touch that knows the session's current expiry writes (see
/// `SessionStore.touch(_:expires:readExpires:_:)`).
public enum TouchAfter: Sendable, Equatable {
    /// Every touch writes (connect-dynamodb's behaviour).
    case always
    /// Only a touch that moves the expiry by at least this many seconds.
    case seconds(Int64)
    /// Only a touch that moves the expiry by at least 1/divisor of the
    /// lifetime it sets (10: a day-long session is touched at most every
    /// 2.4 hours, and may expire up to that much early).
    case fractionOfLifetime(Int64)
}

/// Everything a store is opened with. The defaults are connect-dynamodb's.
public struct StoreOptions: Sendable {
    public var table = "sessions"
    public var hashKey = "id"
    public var prefix = "sess:"
    /// nil: AWS_REGION, AWS_DEFAULT_REGION, the profile's, "us-east-1".
    public var region: String?
    /// nil: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, the config files,
    /// then the region's public endpoint.
    public var endpoint: String?
    /// nil: the provider chain (environment, shared files, ...).
    public var credentials: Credentials?
    /// nil: AWS_PROFILE, "default".
    public var profile: String?
    public var consistentReads = true
    public var defaultTTLSeconds: Int64 = 86400
    public var createTable = true
    public var billing = BillingMode.provisioned(readCapacityUnits: 5, writeCapacityUnits: 5)
    public var connectTimeoutMillis = 3000
    public var requestTimeoutMillis = 10000
    public var maxAttempts = 4
    /// nil: AWS_CA_BUNDLE, the profile's ca_bundle, the system's CAs.
    public var caBundle: String?
    public var specialKeys: [SpecialKey] = []
    public var skipMissingSpecialKeys = false
    public var logger = Logger()
    public var environment = Environment.process
    /// `save` writes as connect-dynamodb does (an unconditional put of
    /// its item, no version): the last writer wins, and a save may bring
    /// back a session destroyed meanwhile. For tables shared with writers
    /// that must see exactly connect-dynamodb's items.
    public var lastWriterWins = false
    /// Lazy touch: by default a touch that would move the expiry by less
    /// than a tenth of the session's lifetime writes nothing.
    public var touchAfter = TouchAfter.fractionOfLifetime(10)
    /// Absolute lifetime: a session created (`created`, kept across saves)
    /// this many seconds ago is gone on read, however active it has been;
    /// the idle timeout stays the expiry. nil: none.
    public var maxAgeSeconds: Int64?
    /// Sessions of at least this many bytes of JSON are stored deflated
    /// (zlib) in a binary `sessz` attribute instead of `sess` by versioned
    /// saves and create-only sets (a plain set writes connect-dynamodb's
    /// item as it always has): items stay
    /// small (write units are per KB) and sessions up to several times
    /// DynamoDB's 400 KB fit. connect-dynamodb readers see no session in
    /// such an item: only for tables not shared with connect-dynamodb.
    /// Either form is always read. nil: never.
    public var compressThresholdBytes: Int?
    /// The time sessions are judged by (expiry, creation, touch), epoch
    /// seconds; tests inject their own.
    public var clock: @Sendable () -> Double = Clock.epochSeconds

    public init() {}

    /// Rejects what DynamoDB or the item format cannot take.
    func validate() throws(StoreError) {
        guard (3...255).contains(table.utf8.count),
              table.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
        else {
            throw .invalid("table name \"\(table)\" must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'")
        }
        guard !hashKey.isEmpty, hashKey.utf8.count <= 255 else {
            throw .invalid("hash key name must be 1-255 bytes")
        }
        let reserved = ["expires", "type", "sess", WriteStamp.versionAttribute, WriteStamp.tokenAttribute,
                        WriteStamp.createdAttribute, SessionCompression.attribute]
        guard !reserved.contains(hashKey) else {
            throw .invalid("hash key name \"\(hashKey)\" collides with a session attribute")
        }
        guard prefix.utf8.count < SessionItem.maximumKeyBytes else {
            throw .invalid("prefix is longer than DynamoDB's 2048-byte key limit")
        }
        guard defaultTTLSeconds > 0 else { throw .invalid("default TTL must be positive") }
        if case .provisioned(let read, let write) = billing, read < 1 || write < 1 {
            throw .invalid("read and write capacity units must be at least 1")
        }
        guard connectTimeoutMillis > 0, requestTimeoutMillis > 0 else {
            throw .invalid("timeouts must be positive")
        }
        guard (1...20).contains(maxAttempts) else { throw .invalid("max attempts must be 1-20") }
        if let compressThresholdBytes, compressThresholdBytes <= 0 {
            throw .invalid("the compression threshold must be a positive number of bytes")
        }
        if let maxAgeSeconds, maxAgeSeconds <= 0 {
            throw .invalid("max age must be a positive number of seconds")
        }
        switch touchAfter {
        case .always: break
        case .seconds(let seconds):
            guard seconds > 0 else { throw .invalid("touch_after must be a positive number of seconds") }
        case .fractionOfLifetime(let divisor):
            guard divisor > 0 else { throw .invalid("the touch fraction's divisor must be positive") }
        }
        for key in specialKeys {
            guard !key.name.isEmpty, key.name != hashKey, !reserved.contains(key.name) else {
                throw .invalid("special key \"\(key.name)\" is empty or collides with a session attribute")
            }
        }
    }
}
