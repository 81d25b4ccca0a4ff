/// How a created table is billed (cdyn_billing_mode).
public enum BillingMode: Int32, Sendable, Equatable {
    case provisioned = 0
    case onDemand = 1
}

/// A session field copied into a top-level attribute on every write
/// (connect-dynamodb's specialKeys), so an index can find sessions by it.
public struct SpecialKey: Sendable, Equatable {
    public enum AttributeType: String, Sendable {
        case string = "S", number = "N", bool = "BOOL", binary = "B"
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

/// Everything a store is opened with: the one home of every option's
/// default and of every rule about its value, for all languages. The C
/// API's cdyn_store_options_init fills its struct from `StoreOptions()`,
/// and the bindings pass on only what their user set.
///
/// "Unset" is nil for the optional strings (an empty region, endpoint,
/// profile or CA bundle counts as unset too); a setting with a default is
/// unset while it holds the value `StoreOptions()` gave it, which is what
/// cdyn_store_options_init copies into the C struct. A 0 where only
/// positive numbers make sense is refused like any other bad value, in
/// every language alike. The defaults are connect-dynamodb's.
public struct StoreOptions: Sendable {
    public var table = "sessions"
    public var hashKey = "id"
    public var prefix = "sess:"
    /// nil: AWS_REGION, AWS_DEFAULT_REGION, the profile's, "us-east-1".
    public var region: String?
    /// nil: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, the config files,
    /// then the region's public endpoint.
    public var endpoint: String?
    /// Explicit credentials, all nil for the provider chain (environment,
    /// shared files, ...). The key id and the secret go together.
    public var accessKeyId: String?
    public var secretAccessKey: String?
    public var sessionToken: String?
    /// nil: AWS_PROFILE, "default".
    public var profile: String?
    /// The host language's own credential provider (cdyn_credentials_fn):
    /// asked on the I/O loop at first use and before each answer expires,
    /// in place of the chain. nil: explicit keys or the chain.
    public var credentialsCallback: (@Sendable (HostCredentialRequest) -> Void)?
    public var consistentReads = true
    public var defaultTTLSeconds: Int64 = 86400
    public var createTable = true
    public var billingMode = BillingMode.provisioned
    public var readCapacityUnits: Int64 = 5
    public var writeCapacityUnits: Int64 = 5
    public var connectTimeoutMillis: Int64 = 3000
    public var requestTimeoutMillis: Int64 = 10000
    public var maxAttempts: Int32 = 4
    /// The most TCP connections open at once to the endpoint; calls beyond
    /// it wait in libcurl's queue for one to come free. 50, as the AWS SDKs
    /// size theirs for an application's shared client (JS v3's maxSockets,
    /// Java's maxConnections; botocore's 10 is per client, and Python apps
    /// make one per thread): enough for a busy web server's calls in flight,
    /// and one TLS handshake per connection, not per call.
    public var maxConnections: Int32 = 50
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
    /// Hashed ids: the key is prefix + the hex SHA-256 of the session id
    /// (HMAC-SHA-256 under `idHashSecret` when given), so the table never
    /// holds a usable session id (see IdHash). Scans then cannot return
    /// ids: `list`/`all` give the hashed key instead. Off: connect-dynamodb's
    /// keys.
    public var hashIds = false
    /// The HMAC key for hashed ids (at least 16 bytes); nil: plain SHA-256.
    /// Changing it orphans every session (everyone is logged out).
    public var idHashSecret: [UInt8]?
    /// Migration to hashed ids: a session not found under its hashed key
    /// is read under the plain key, and the next save rewrites it hashed
    /// (and deletes the plain item). Touch and destroy reach both.
    public var readPlainIds = false
    /// The session field holding the user id (a dotted path reaches into
    /// objects: "passport.user"), copied to the `uid` attribute (hashed
    /// under hashed ids) for the user index; nil: no user index.
    public var userField: String?
    /// The user index's name (a global secondary index on `uid`); nil:
    /// "uid-index".
    public var userIndexName: String?
    /// Encryption at rest (opt-in): the key ring. Empty: sessions are
    /// stored in the clear. Otherwise every write stores the session
    /// AES-256-GCM-encrypted under the first key in a binary `sesse`
    /// attribute (after compression, if that is on), and reads open it with
    /// whichever key of the ring its id names; plain sets then write
    /// versioned items too. Items in the clear are still read, and saved
    /// back encrypted. connect-dynamodb readers see no session in an
    /// encrypted item. See the README's threat model.
    public var encryptionKeys: [EncryptionKey] = []
    /// The time sessions are judged by (expiry, creation, touch), epoch
    /// seconds; tests inject their own.
    public var clock: @Sendable () -> Double = Clock.epochSeconds

    public init() {}

    /// The three credential fields as one value (nil: the provider chain).
    public var credentials: Credentials? {
        get {
            guard let accessKeyId, let secretAccessKey else { return nil }
            return Credentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey,
                               sessionToken: sessionToken.nonEmpty)
        }
        set {
            accessKeyId = newValue?.accessKeyId
            secretAccessKey = newValue?.secretAccessKey
            sessionToken = newValue?.sessionToken
        }
    }

    /// The item format's own attributes, which no key may be named.
    static let itemAttributes = ["expires", "type", "sess",
                                 // versioned saves' (WriteStamp) and the compressed form's
                                 "ver", "wtok", "created", "sessz",
                                 // the encrypted form's
                                 "sesse"]

    /// The shortest HMAC secret accepted for hashed ids: 128 bits.
    public static let minimumIdHashSecretBytes = 16
    /// The longest: HMAC hashes a longer key down to 32 bytes anyway.
    public static let maximumIdHashSecretBytes = 1024

    /// The user index's name, the default when none was given.
    public var effectiveUserIndexName: String { userIndexName ?? UserField.defaultIndexName }

    /// A bound on connections per store: each is a file descriptor of the
    /// host process's, and DynamoDB gains nothing from thousands per client.
    public static let maximumConnections: Int32 = 4096

    /// A bound on special keys per store: each is work on every write.
    public static let maximumSpecialKeys = 64

    /// Throws the first rule these options break. Each rule has one
    /// message, naming the setting by its C field name (the bindings
    /// document how their names map onto those).
    public func validate() throws(StoreError) {
        guard (3...255).contains(table.utf8.count),
              table.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
        else {
            throw .invalid("table name \"\(table)\" must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'")
        }
        guard !hashKey.isEmpty, hashKey.utf8.count <= 255 else {
            throw .invalid("hash_key must be 1-255 bytes")
        }
        guard !StoreOptions.itemAttributes.contains(hashKey) else {
            throw .invalid("hash_key \"\(hashKey)\" collides with a session attribute")
        }
        guard prefix.utf8.count < SessionItem.maximumKeyBytes else {
            throw .invalid("prefix is longer than DynamoDB's 2048-byte key limit")
        }
        if let region = region.nonEmpty { try StoreOptions.checkRegion(region, from: "region") }
        if let endpoint = endpoint.nonEmpty { _ = try Endpoint(parsing: endpoint) }
        let givesKeys = accessKeyId != nil || secretAccessKey != nil
        guard givesKeys ? accessKeyId.nonEmpty != nil && secretAccessKey.nonEmpty != nil : sessionToken == nil else {
            throw .invalid("explicit credentials need both access_key_id and secret_access_key "
                + "(session_token only with them)")
        }
        guard !(givesKeys && credentialsCallback != nil) else {
            throw .invalid("credentials callback and access_key_id/secret_access_key exclude each other")
        }
        guard defaultTTLSeconds > 0 else { throw .invalid("default_ttl_seconds must be positive") }
        guard readCapacityUnits >= 1 else { throw .invalid("read_capacity_units must be at least 1") }
        guard writeCapacityUnits >= 1 else { throw .invalid("write_capacity_units must be at least 1") }
        guard connectTimeoutMillis > 0 else { throw .invalid("connect_timeout_ms must be positive") }
        guard requestTimeoutMillis > 0 else { throw .invalid("request_timeout_ms must be positive") }
        guard (1...20).contains(maxAttempts) else { throw .invalid("max_attempts must be 1-20") }
        guard (1...StoreOptions.maximumConnections).contains(maxConnections) else {
            throw .invalid("max_connections must be 1-\(StoreOptions.maximumConnections)")
        }
        guard specialKeys.count <= StoreOptions.maximumSpecialKeys else {
            throw .invalid("special_keys: more than \(StoreOptions.maximumSpecialKeys) special keys")
        }
        if let compressThresholdBytes, compressThresholdBytes <= 0 {
            throw .invalid("compress_threshold_bytes must be positive (0 in C: never compress)")
        }
        if let maxAgeSeconds, maxAgeSeconds <= 0 {
            throw .invalid("max_age_seconds must be positive (0 in C: no absolute lifetime)")
        }
        try validateSecurity()
        switch touchAfter {
        case .always: break
        case .seconds(let seconds):
            guard seconds > 0 else { throw .invalid("touch_after_seconds must be positive, 0 (a tenth of the lifetime) or CDYN_TOUCH_ALWAYS") }
        case .fractionOfLifetime(let divisor):
            guard divisor > 0 else { throw .invalid("the touch fraction's divisor must be positive") }
        }
        try EncryptionKey.validate(encryptionKeys)
        for key in specialKeys {
            guard !key.name.isEmpty, key.name != hashKey, !StoreOptions.itemAttributes.contains(key.name) else {
                throw .invalid("special key \"\(key.name)\" is empty or collides with a session attribute")
            }
        }
    }

    /// The rules of hashed ids and the user index.
    private func validateSecurity() throws(StoreError) {
        if let idHashSecret {
            guard hashIds else { throw .invalid("id_hash_secret needs hash_ids") }
            guard (StoreOptions.minimumIdHashSecretBytes...StoreOptions.maximumIdHashSecretBytes)
                .contains(idHashSecret.count) else {
                throw .invalid("id_hash_secret must be at least \(StoreOptions.minimumIdHashSecretBytes) bytes "
                    + "(and at most \(StoreOptions.maximumIdHashSecretBytes))")
            }
        }
        guard !readPlainIds || hashIds else { throw .invalid("read_plain_ids needs hash_ids") }
        guard prefix.utf8.count + IdHash.length <= SessionItem.maximumKeyBytes || !hashIds else {
            throw .invalid("prefix is too long for hashed ids")
        }
        if let userField {
            guard !userField.isEmpty, userField.utf8.count <= 255,
                  !userField.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                throw .invalid("user_field must be 1-255 bytes of dot-separated, non-empty names")
            }
            guard hashKey != UserField.attribute, !specialKeys.contains(where: { $0.name == UserField.attribute }) else {
                throw .invalid("with user_field, no hash key or special key may be named \"\(UserField.attribute)\"")
            }
        }
        if let userIndexName {
            guard userField != nil else { throw .invalid("user_index_name needs user_field") }
            guard (3...255).contains(userIndexName.utf8.count),
                  userIndexName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
                throw .invalid("user_index_name \"\(userIndexName)\" must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'")
            }
        }
    }

    /// A region name as the SDKs accept one: letters, digits and inner
    /// hyphens, at most 63 characters (it becomes part of a host name).
    /// `source` names where it came from, for the message.
    static func checkRegion(_ region: String, from source: String) throws(StoreError) {
        let bytes = Array(region.utf8)
        func allowed(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
        }
        guard (1...63).contains(bytes.count), bytes.allSatisfy(allowed),
              bytes.first != 0x2D, bytes.last != 0x2D
        else {
            throw .invalid("\(source) \"\(region)\" is not a region name (letters, digits and '-')")
        }
    }

    // MARK: - Codes of the C API's enums, converted once here

    /// The billing mode for a cdyn_billing_mode value.
    public static func billingMode(code: Int32) throws(StoreError) -> BillingMode {
        guard let mode = BillingMode(rawValue: code) else {
            throw .invalid("billing_mode \(code) is not a cdyn_billing_mode (0 or 1)")
        }
        return mode
    }

    /// The log level for a cdyn_log_level value.
    public static func logLevel(code: Int32) throws(StoreError) -> LogLevel {
        guard let level = LogLevel(rawValue: code) else {
            throw .invalid("log_level \(code) is not a cdyn_log_level (0-4)")
        }
        return level
    }

    /// A special key from its name and DynamoDB type name.
    public static func specialKey(name: String?, type: String?, index: Int) throws(StoreError) -> SpecialKey {
        guard let name, let type, let attributeType = SpecialKey.AttributeType(rawValue: type) else {
            throw .invalid("special_keys[\(index)] needs a name and a type of \"S\", \"N\", \"BOOL\" or \"B\"")
        }
        return SpecialKey(name: name, type: attributeType)
    }
}
