/// One key of the encryption key ring (`StoreOptions.encryptionKeys`): an
/// id, stored in every item it encrypts so that a reader knows which key
/// to open it with, and 32 bytes of AES-256 key.
///
/// Its descriptions (print, debugPrint, dump, string interpolation) show
/// the id only: key material must never reach a log or an error message.
public struct EncryptionKey: Sendable, Equatable {
    public var id: String
    public var bytes: [UInt8]

    public init(id: String, bytes: [UInt8]) {
        self.id = id
        self.bytes = bytes
    }

    public static let keyBytes = 32
    public static let maximumIdBytes = 255
    /// A bound on the ring: each key is tried by id, never in turn, but a
    /// ring is meant to hold the current key and a few retired ones.
    public static let maximumKeys = 16

    /// Throws the first rule a key ring breaks, naming the key by its
    /// place (never by its bytes).
    static func validate(_ ring: [EncryptionKey]) throws(StoreError) {
        guard ring.count <= maximumKeys else {
            throw .invalid("encryption_keys: more than \(maximumKeys) keys")
        }
        var seen = Set<String>()
        for (index, key) in ring.enumerated() {
            guard (1...maximumIdBytes).contains(key.id.utf8.count) else {
                throw .invalid("encryption_keys[\(index)].id must be 1-\(maximumIdBytes) bytes")
            }
            guard key.bytes.count == keyBytes else {
                throw .invalid("encryption_keys[\(index)] must be \(keyBytes) bytes (AES-256), not \(key.bytes.count)")
            }
            guard seen.insert(key.id).inserted else {
                throw .invalid("encryption_keys[\(index)].id \"\(ServerText.sanitized(key.id, limit: 64))\" is a duplicate")
            }
        }
    }
}

extension EncryptionKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "EncryptionKey(id: \"\(id)\", bytes: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["id": id, "bytes": "<redacted>"]) }
}
