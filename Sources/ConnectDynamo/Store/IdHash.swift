/// Hashed ids (opt-in, `StoreOptions.hashIds`): the table's key is prefix +
/// 64 lowercase hex digits of SHA-256 of the session id, or of
/// HMAC-SHA-256 under `idHashSecret` when one is configured, so the table
/// never holds a session id a reader could present as a cookie. User ids
/// written to the `uid` attribute are hashed the same way.
///
/// Why both: express's ids are 24 random bytes, so plain SHA-256 already
/// cannot be inverted; the keyed form also stops someone holding a
/// candidate id (from a log, a browser) from finding its row in a dump,
/// hides user ids (which, unlike session ids, can be guessed and hashed),
/// and makes every old dump useless once the secret is rotated (which also
/// logs everyone out). README "Threat model" says the same.
struct IdHash: Sendable {
    /// The HMAC key with its padded blocks absorbed; nil: plain SHA-256.
    private let key: HMACKey?

    init(secret: [UInt8]?) {
        key = secret.map(HMACKey.init)
    }

    /// The 64 hex digits that stand for `text` in the table.
    func hex(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        if let key {
            key.withMAC(text.utf8) { Digest.appendHex($0, to: &out) }
        } else {
            Digest.appendSHA256Hex(of: text.utf8, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// How long `hex` always is.
    static let length = 64
}
