/// The settings a store runs with, after defaults and resolution: what
/// a binding shows in its `repr` and getters. Never holds a secret.
public struct StoreInfo: Sendable, Equatable {
    public var table: String
    public var hashKey: String
    public var prefix: String
    public var region: String
    /// The URL requests go to, e.g. "https://dynamodb.us-east-1.amazonaws.com/".
    public var endpoint: String
    public var defaultTTLSeconds: Int64
    public var consistentReads: Bool
    public var createTable: Bool
    public var billingMode: BillingMode
    public var readCapacityUnits: Int64
    public var writeCapacityUnits: Int64
    public var connectTimeoutMillis: Int64
    public var requestTimeoutMillis: Int64
    public var maxAttempts: Int32
    public var maxConnections: Int32
    public var specialKeyCount: Int
    /// Keys were given in the options (rather than found by the chain).
    public var explicitCredentials: Bool
    /// Keys hold hashed ids.
    public var hashIds: Bool
    /// The session field of the user index; nil: none.
    public var userField: String?
    /// The user index's name; nil when there is no user index.
    public var userIndexName: String?
    /// Keys in the encryption key ring (0: sessions in the clear).
    public var encryptionKeyCount: Int = 0
    /// The id of the key that encrypts; nil without encryption.
    public var encryptionKeyId: String?
}

extension SessionStore {
    /// The effective settings (the options as validated, the region and
    /// endpoint as resolved).
    public var info: StoreInfo {
        StoreInfo(table: options.table, hashKey: options.hashKey, prefix: options.prefix,
                  region: region, endpoint: endpoint.url,
                  defaultTTLSeconds: options.defaultTTLSeconds,
                  consistentReads: options.consistentReads, createTable: options.createTable,
                  billingMode: options.billingMode,
                  readCapacityUnits: options.readCapacityUnits,
                  writeCapacityUnits: options.writeCapacityUnits,
                  connectTimeoutMillis: options.connectTimeoutMillis,
                  requestTimeoutMillis: options.requestTimeoutMillis,
                  maxAttempts: options.maxAttempts, maxConnections: options.maxConnections,
                  specialKeyCount: options.specialKeys.count,
                  explicitCredentials: options.credentials != nil,
                  hashIds: options.hashIds, userField: options.userField,
                  userIndexName: options.userField == nil ? nil : options.effectiveUserIndexName,
                  encryptionKeyCount: options.encryptionKeys.count,
                  encryptionKeyId: options.encryptionKeys.first?.id)
    }
}
