import CCrypto

/// Sessions encrypted at rest (opt-in, `StoreOptions.encryptionKeys`):
/// AES-256-GCM through OpenSSL's libcrypto, in one binary attribute that
/// takes the place of `sess`/`sessz`:
///
///     sesse  B  format     1 byte   1: the session's JSON text
///                                   2: its zlib deflate (SessionCompression)
///               id length  1 byte   n, 1-255
///               key id     n bytes  UTF-8, the key ring's id of the key
///               nonce      12 bytes random, fresh for every write
///               ciphertext          as long as the plaintext
///               tag        16 bytes GCM's authentication tag
///
/// The associated data is the header (format, id length, key id) followed
/// by the UTF-8 of the item's key value as stored in the hash key
/// attribute (`SessionItem.keyValue`): a blob copied under another id, or
/// with its header altered, does not decrypt.
enum SessionCipher {
    static let attribute = "sesse"
    static let nonceBytes = 12
    static let tagBytes = 16

    enum Format: UInt8 {
        case json = 1
        case deflated = 2
    }

    /// Why a blob did not decrypt (said in the warning; never holds key
    /// material or plaintext).
    enum Failure: Error, Equatable, CustomStringConvertible {
        case truncated
        case unknownFormat(UInt8)
        case unknownKey(String)
        case notAuthentic

        var description: String {
            switch self {
            case .truncated: return "its encrypted session is truncated"
            case .unknownFormat(let byte): return "its encrypted session has an unknown format byte \(byte)"
            case .unknownKey(let id):
                return "its session is encrypted with key id \"\(ServerText.sanitized(id, limit: 64))\", which is not in the key ring"
            case .notAuthentic:
                return "its encrypted session does not authenticate (altered, copied from another item, or a wrong key)"
            }
        }
    }

    /// The parts of a blob, unauthenticated.
    struct Envelope {
        var format: UInt8
        var keyId: String
        var headerBytes: Int
    }

    /// The header of a blob; nil when it is too short to hold one.
    static func envelope(of blob: [UInt8]) -> Envelope? {
        guard blob.count >= 2 else { return nil }
        let idLength = Int(blob[1])
        let header = 2 + idLength
        guard idLength > 0, blob.count >= header + nonceBytes + tagBytes else { return nil }
        return Envelope(format: blob[0], keyId: String(decoding: blob[2..<header], as: UTF8.self), headerBytes: header)
    }

    /// `plaintext` sealed under `key` for the item whose key value is
    /// `itemKey`; `nonce` only for known-answer tests (nil: 12 fresh random
    /// bytes). nil when libcrypto fails.
    static func seal(_ plaintext: UnsafeBufferPointer<UInt8>, format: Format, key: EncryptionKey, itemKey: String,
                     nonce fixedNonce: [UInt8]? = nil) -> [UInt8]? {
        let idBytes = Array(key.id.utf8)
        guard (1...EncryptionKey.maximumIdBytes).contains(idBytes.count) else { return nil }
        var nonce = fixedNonce ?? [UInt8](repeating: 0, count: nonceBytes)
        if fixedNonce == nil {
            guard RAND_bytes(&nonce, Int32(nonceBytes)) == 1 else { return nil }
        }
        guard nonce.count == nonceBytes else { return nil }
        let header = [format.rawValue, UInt8(idBytes.count)] + idBytes
        guard let (ciphertext, tag) = gcm(encrypt: true, key: key.bytes, nonce: nonce,
                                          aad: header + Array(itemKey.utf8), input: plaintext, tag: nil) else { return nil }
        return header + nonce + ciphertext + tag
    }

    /// The plaintext of a blob and its format, opened with the ring's key
    /// of the blob's id.
    static func open(_ blob: [UInt8], ring: [EncryptionKey], itemKey: String) -> Result<(Format, [UInt8]), Failure> {
        guard let envelope = envelope(of: blob) else { return .failure(.truncated) }
        guard let format = Format(rawValue: envelope.format) else { return .failure(.unknownFormat(envelope.format)) }
        guard let key = ring.first(where: { $0.id == envelope.keyId }) else { return .failure(.unknownKey(envelope.keyId)) }
        let nonceEnd = envelope.headerBytes + nonceBytes, tagStart = blob.count - tagBytes
        let aad = Array(blob[..<envelope.headerBytes]) + Array(itemKey.utf8)
        let ciphertext = Array(blob[nonceEnd..<tagStart])
        let opened = ciphertext.withUnsafeBufferPointer { input in
            gcm(encrypt: false, key: key.bytes, nonce: Array(blob[envelope.headerBytes..<nonceEnd]), aad: aad,
                input: input, tag: Array(blob[tagStart...]))
        }
        guard let (plaintext, _) = opened else { return .failure(.notAuthentic) }
        return .success((format, plaintext))
    }

    /// One AES-256-GCM pass: encrypting, the output and the tag; decrypting,
    /// the output when `tag` authenticates it (else nil).
    private static func gcm(encrypt: Bool, key: [UInt8], nonce: [UInt8], aad: [UInt8],
                            input: UnsafeBufferPointer<UInt8>, tag: [UInt8]?) -> ([UInt8], [UInt8])? {
        guard key.count == EncryptionKey.keyBytes, nonce.count == nonceBytes,
              input.count < Int(Int32.max) - tagBytes, aad.count < Int(Int32.max),
              let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_CipherInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce, encrypt ? 1 : 0) == 1 else { return nil }
        var length: Int32 = 0
        guard EVP_CipherUpdate(context, nil, &length, aad, Int32(aad.count)) == 1 else { return nil }
        var output = [UInt8](repeating: 0, count: input.count + tagBytes)
        let produced = output.withUnsafeMutableBufferPointer { out -> Int? in
            var total = 0
            if input.count > 0 {
                guard EVP_CipherUpdate(context, out.baseAddress, &length, input.baseAddress, Int32(input.count)) == 1 else { return nil }
                total = Int(length)
            }
            if var tag {
                guard tag.count == tagBytes,
                      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagBytes), &tag) == 1 else { return nil }
            }
            guard EVP_CipherFinal_ex(context, out.baseAddress.map { $0 + total }, &length) == 1 else { return nil }
            return total + Int(length)
        }
        guard let produced else { return nil }
        output.removeSubrange(produced...)
        guard encrypt else { return (output, []) }
        var computed = [UInt8](repeating: 0, count: tagBytes)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagBytes), &computed) == 1 else { return nil }
        return (output, computed)
    }
}
