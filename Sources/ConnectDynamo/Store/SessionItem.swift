/// A session as read back: its id (without prefix), its JSON text, its
/// expiry in epoch seconds (0 when the item has none), the version a
/// versioned save of it must start from (0: an item no versioned write of
/// this store has touched, e.g. connect-dynamodb's), and its creation time
/// in epoch seconds (0 when the item does not say).
public struct StoredSession: Sendable, Equatable {
    public var id: String
    public var data: [UInt8]
    public var expires: Int64
    public var version: Int64
    public var created: Int64

    public init(id: String, data: [UInt8], expires: Int64, version: Int64 = 0, created: Int64 = 0) {
        self.id = id
        self.data = data
        self.expires = expires
        self.version = version
        self.created = created
    }
}

/// What this store adds to every item it writes, beside connect-dynamodb's
/// attributes (which connect-dynamodb readers ignore):
///
///     ver      N  the version: 1 for a new session, +1 on every save
///     wtok     S  a token unique to the write that produced the item, so a
///                 retried conditional write can tell its own landed write
///                 from someone else's
///     created  N  creation time, epoch seconds, kept across saves
struct WriteStamp: Sendable {
    static let versionAttribute = "ver"
    static let tokenAttribute = "wtok"
    static let createdAttribute = "created"

    /// The version to write; nil: one more than the item's (an update
    /// that did not read it first).
    var version: Int64?
    var token: String
    /// The creation time for a new item (an update keeps the item's).
    var created: Int64

    /// A stamp with a fresh token.
    static func fresh(version: Int64?, now: Double) -> WriteStamp {
        WriteStamp(version: version, token: newToken(), created: Int64(now.rounded(.down)))
    }

    /// 128 random bits as 32 hex digits (the system's CSPRNG).
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        let digits = String(high, radix: 16), rest = String(low, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
            + String(repeating: "0", count: 16 - rest.count) + rest
    }
}

/// The connect-dynamodb item format, both ways:
///
///     <hashKey>  S  prefix + session id
///     expires    N  epoch seconds (we write integers; we read fractions)
///     type       S  "connect-session"
///     sess       S  the session as JSON text
///     <special>  S/N/BOOL/B  copies of session fields, when configured
///                (B: base64 text, or a Node Buffer's JSON form)
struct SessionItem {
    static let maximumKeyBytes = 2048
    static let maximumItemBytes = 400 * 1024
    static let typeValue = "connect-session"

    let hashKey: String
    let prefix: String
    let specialKeys: [SpecialKey]
    let skipMissingSpecialKeys: Bool
    /// The absolute lifetime, seconds from `created`; nil: none.
    let maxAgeSeconds: Int64?
    /// Sessions of at least this many bytes are stored deflated; nil: never.
    let compressThresholdBytes: Int?
    /// Hashed ids: keys (and `uid`) hold this hash; nil: plain ids.
    let idHash: IdHash?
    /// The session field copied to `uid`; nil: no user index.
    let userField: UserField?
    /// The key ring: empty, sessions in the clear; else the first key
    /// encrypts every write and any key decrypts (SessionCipher).
    let encryptionKeys: [EncryptionKey]

    var encrypts: Bool { !encryptionKeys.isEmpty }

    init(options: StoreOptions) {
        hashKey = options.hashKey
        prefix = options.prefix
        specialKeys = options.specialKeys
        skipMissingSpecialKeys = options.skipMissingSpecialKeys
        maxAgeSeconds = options.maxAgeSeconds
        compressThresholdBytes = options.compressThresholdBytes
        idHash = options.hashIds ? IdHash(secret: options.idHashSecret) : nil
        userField = options.userField.map(UserField.init)
        encryptionKeys = options.encryptionKeys
    }

    /// What the key holds after the prefix for `id`: the id, or its hash.
    func storedID(_ id: String) -> String {
        idHash?.hex(id) ?? id
    }

    /// What `uid` holds for a user id: the id, or its hash.
    func storedUser(_ user: String) -> String {
        idHash?.hex(user) ?? user
    }

    /// Checks a session id: non-empty, and prefix + id within DynamoDB's
    /// 2048-byte partition key. (UTF-8 validity is checked where bytes
    /// become a String.)
    func validate(id: String) throws(StoreError) {
        guard !id.isEmpty else { throw .invalid("session id is empty") }
        let length = prefix.utf8.count + id.utf8.count
        guard length <= SessionItem.maximumKeyBytes else {
            throw .invalid("prefix + session id is \(length) bytes; DynamoDB keys are at most \(SessionItem.maximumKeyBytes)")
        }
    }

    /// The value of the hash key attribute for a session id (prefix + the
    /// id, hashed under hashed ids): the one place that says it (an
    /// encrypted session's associated data is it).
    func keyValue(_ id: String) -> String {
        prefix + storedID(id)
    }

    /// `{"<hashKey>": {"S": keyValue(id)}}`
    func key(_ id: String) -> JSON {
        plainKey(storedID(id))
    }

    /// The key holding exactly `stored` after the prefix: a plain id (the
    /// migration's fallback), or a hashed key as a scan returned it.
    func plainKey(_ stored: String) -> JSON {
        .object([JSON.Member(hashKey, .obj(["S": .string(prefix + stored)]))])
    }

    /// The whole item for PutItem. Checks that `data` is a UTF-8 JSON
    /// object, extracts the special keys, adds the stamp's attributes (none
    /// without a stamp: connect-dynamodb's item exactly), and refuses items
    /// over 400 KB.
    func item(id: String, data: UnsafeBufferPointer<UInt8>, expires: Int64,
              stamp: WriteStamp? = nil) throws(StoreError) -> JSON {
        do {
            try JSON.validateObject(data)
        } catch {
            throw .invalid("session is not a JSON object: \(error)")
        }
        let expiresText = String(expires)
        // A session at or over the threshold is stored deflated instead
        // (opt-in: connect-dynamodb readers see no session then), by the
        // stamped writes only: an item without a version is saved back
        // conditioned on its `sess` text, so it must have one.
        let deflated = stamp == nil ? nil
            : compressThresholdBytes.flatMap { data.count >= $0 ? SessionCompression.deflate(data) : nil }
        let body: JSON.Member, bodySize: Int
        if let current = encryptionKeys.first {
            // Encrypted writes are stamped writes (see SessionStore.set):
            // a save conditions on `ver`, never on the blob.
            guard stamp != nil else { throw StoreError(.failure, "an encrypted session must be written with a version") }
            let sealed = deflated.map { bytes in
                bytes.withUnsafeBufferPointer { SessionCipher.seal($0, format: .deflated, key: current, itemKey: keyValue(id)) }
            } ?? SessionCipher.seal(data, format: .json, key: current, itemKey: keyValue(id))
            guard let sealed else { throw StoreError(.failure, "libcrypto could not encrypt the session") }
            body = JSON.Member(SessionCipher.attribute, .obj(["B": .string(Base64.encode(sealed))]))
            bodySize = SessionCipher.attribute.utf8.count + sealed.count
        } else if let deflated {
            body = JSON.Member(SessionCompression.attribute, .obj(["B": .string(Base64.encode(deflated))]))
            bodySize = SessionCompression.attribute.utf8.count + deflated.count
        } else {
            body = JSON.Member("sess", .obj(["S": .string(String(decoding: data, as: UTF8.self))]))
            bodySize = "sess".utf8.count + data.count
        }
        var members = [
            JSON.Member(hashKey, .obj(["S": .string(keyValue(id))])),
            JSON.Member("expires", .obj(["N": .string(expiresText)])),
            JSON.Member("type", .obj(["S": .string(SessionItem.typeValue)])),
            body,
        ]
        var size = hashKey.utf8.count + keyValue(id).utf8.count
            + "expires".utf8.count + expiresText.utf8.count
            + "type".utf8.count + SessionItem.typeValue.utf8.count + bodySize
        if let stamp {
            let version = String(stamp.version ?? 1), created = String(stamp.created)
            members.append(JSON.Member(WriteStamp.versionAttribute, .obj(["N": .string(version)])))
            members.append(JSON.Member(WriteStamp.tokenAttribute, .obj(["S": .string(stamp.token)])))
            members.append(JSON.Member(WriteStamp.createdAttribute, .obj(["N": .string(created)])))
            size += WriteStamp.versionAttribute.utf8.count + version.utf8.count
                + WriteStamp.tokenAttribute.utf8.count + stamp.token.utf8.count
                + WriteStamp.createdAttribute.utf8.count + created.utf8.count
        }
        if !specialKeys.isEmpty || userField != nil {
            let session: JSON
            do { session = try JSON.parse(data) } catch { throw .invalid("session is not JSON: \(error)") }
            if let user = userField?.user(in: session) {
                let value = storedUser(user)
                members.append(JSON.Member(UserField.attribute, .obj(["S": .string(value)])))
                size += UserField.attribute.utf8.count + value.utf8.count
            }
            for special in specialKeys {
                guard let attribute = try specialAttribute(special, in: session) else { continue }
                members.append(JSON.Member(special.name, attribute.value))
                size += special.name.utf8.count + attribute.size
            }
        }
        guard size <= SessionItem.maximumItemBytes else {
            throw StoreError(.tooLarge, "session item is \(size) bytes; DynamoDB items are at most \(SessionItem.maximumItemBytes)")
        }
        return .object(members)
    }

    /// The attribute for a special key, or nil when the session lacks it
    /// and that is allowed.
    private func specialAttribute(_ special: SpecialKey, in session: JSON) throws(StoreError) -> (value: JSON, size: Int)? {
        guard let field = session[special.name], field != .null else {
            if skipMissingSpecialKeys { return nil }
            throw .invalid("session has no \"\(special.name)\" for the special key of that name")
        }
        switch (special.type, field) {
        case (.string, .string(let s)):
            return (.obj(["S": .string(s)]), s.utf8.count)
        case (.string, .number(let n)), (.number, .number(let n)):
            return (.obj([special.type.rawValue: .string(n)]), n.utf8.count)
        case (.number, .string(let s)) where (try? JSON.parse(s)).map({ if case .number = $0 { true } else { false } }) == true:
            return (.obj(["N": .string(s)]), s.utf8.count)
        case (.bool, .bool(let b)):
            return (.obj(["BOOL": .bool(b)]), 1)
        case (.binary, .string(let s)) where Base64.isValid(s):
            return (.obj(["B": .string(s)]), s.utf8.count / 4 * 3)
        case (.binary, .object) where SessionItem.bufferBytes(field) != nil:
            // A Node Buffer serializes as {"type":"Buffer","data":[bytes]}.
            let bytes = SessionItem.bufferBytes(field) ?? []
            return (.obj(["B": .string(Base64.encode(bytes))]), bytes.count)
        default:
            throw .invalid("session field \"\(special.name)\" cannot be stored as DynamoDB type \(special.type.rawValue)")
        }
    }

    /// The bytes of a Node Buffer's JSON form, {"type":"Buffer","data":[...]}.
    static func bufferBytes(_ field: JSON) -> [UInt8]? {
        guard field["type"]?.stringValue == "Buffer", let data = field["data"]?.arrayValue else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count)
        for element in data {
            guard let value = element.int64Value, (0...255).contains(value) else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    /// The id (without prefix) of an item's key, or nil if the item is not
    /// one of this store's.
    func id(of item: JSON) -> String? {
        guard let key = item[hashKey]?["S"]?.stringValue, key.utf8.starts(with: prefix.utf8) else { return nil }
        return String(decoding: key.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
    }

    /// Whether the session has outlived the absolute lifetime: created at
    /// or before `now - maxAgeSeconds`, however active since. An item
    /// without `created` (written by connect-dynamodb or a plain set) has
    /// no known age and is judged by its expiry alone.
    func isPastMaxAge(_ item: JSON, now: Double) -> Bool {
        guard let maxAgeSeconds else { return false }
        let created = SessionItem.created(of: item)
        return created > 0 && Double(created) + Double(maxAgeSeconds) <= now
    }

    /// The session JSON of an item, whichever form it has.
    enum Text {
        case text([UInt8])
        /// No session attribute (or a `sessz` that does not inflate).
        case absent
        /// An encrypted session that does not decrypt: said why.
        case undecryptable(String)
    }

    /// The session JSON of an item: `sess` text, the deflated `sessz`, or
    /// the encrypted `sesse` (opened with the ring, its associated data the
    /// item's own key value).
    func sessionText(of item: JSON) -> Text {
        if let sess = item["sess"]?["S"]?.stringValue { return .text(Array(sess.utf8)) }
        if let encoded = item[SessionCipher.attribute]?["B"]?.stringValue {
            guard encrypts else { return .undecryptable("its session is encrypted and this store has no encryption keys") }
            guard let blob = Base64.decode(encoded) else { return .undecryptable("its encrypted session is not base64") }
            switch SessionCipher.open(blob, ring: encryptionKeys, itemKey: item[hashKey]?["S"]?.stringValue ?? "") {
            case .failure(let failure): return .undecryptable(failure.description)
            case .success((.json, let text)): return .text(text)
            case .success((.deflated, let deflated)):
                return SessionCompression.inflate(deflated).map { .text($0) }
                    ?? .undecryptable("its encrypted session does not inflate")
            }
        }
        guard let encoded = item[SessionCompression.attribute]?["B"]?.stringValue,
              let deflated = Base64.decode(encoded), let text = SessionCompression.inflate(deflated) else { return .absent }
        return .text(text)
    }

    /// The item's version; 0 when it has none (connect-dynamodb's items).
    static func version(of item: JSON) -> Int64 {
        item[WriteStamp.versionAttribute]?["N"]?.int64Value ?? 0
    }

    /// The item's creation time; 0 when it has none.
    static func created(of item: JSON) -> Int64 {
        item[WriteStamp.createdAttribute]?["N"]?.int64Value ?? 0
    }

    /// The token of the write that produced the item, if this store wrote it.
    static func writeToken(of item: JSON) -> String? {
        item[WriteStamp.tokenAttribute]?["S"]?.stringValue
    }

    /// What an item read back holds, by the rule of what a session is
    /// (see `SessionRule`), plus the one check a condition cannot make:
    /// that `sess` is a JSON object.
    enum Reading: Equatable {
        case session(StoredSession)
        /// Not a session: no `sess`, expired, an `expires` that is not a
        /// number, or not this store's key.
        case none
        /// A session by the rule whose `sess` is not a JSON object: read
        /// as no session (the caller logs `why`), as connect-dynamodb does.
        case unreadable(id: String, why: String)
    }

    func read(_ item: JSON, now: Double) -> Reading {
        guard let id = id(of: item), let expires = liveExpiry(of: item, now: now),
              !isPastMaxAge(item, now: now) else { return .none }
        let data: [UInt8]
        switch sessionText(of: item) {
        case .absent: return .none
        case .undecryptable(let why): return .unreadable(id: id, why: why)
        case .text(let text): data = text
        }
        do {
            try data.withUnsafeBufferPointer { (bytes) throws(JSONError) in try JSON.validateObject(bytes) }
        } catch {
            return .unreadable(id: id, why: "its sess is not a JSON object (\(error))")
        }
        return .session(StoredSession(id: id, data: data, expires: expires,
                                      version: SessionItem.version(of: item), created: SessionItem.created(of: item)))
    }

    /// The session in an item, or nil when there is none to give.
    func session(from item: JSON, now: Double) -> StoredSession? {
        if case .session(let session) = read(item, now: now) { return session }
        return nil
    }

    /// An item's expiry floored to whole seconds, 0 when it has none; nil
    /// when the item is not live by `SessionRule`: `expires` at or before
    /// `now` (expired items stay until TTL deletes them, up to days later;
    /// they must not come back), or not a number.
    func liveExpiry(of item: JSON, now: Double) -> Int64? {
        guard let attribute = item["expires"] else { return 0 }
        guard let value = attribute["N"]?.doubleValue, !value.isNaN else { return nil }
        if value <= now { return nil }
        return value >= 9.2e18 ? Int64.max : Int64(value.rounded(.down))
    }
}
