import CCrypto
import Glibc

/// SHA-256 and HMAC-SHA256 over OpenSSL's libcrypto, and hex encoding:
/// what SigV4 needs, on every request, so it is kept cheap: the SHA-256
/// implementation is fetched from OpenSSL once (OpenSSL 3 otherwise looks
/// it up on every call), and HMAC is the two hashes of RFC 2104.
enum Digest {
    nonisolated(unsafe) private static let sha256Method: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    /// One digest context per thread, made on first use and freed with the
    /// thread: allocating one per hash cost more than the hashing.
    private static let contextKey: pthread_key_t? = {
        var key = pthread_key_t()
        guard pthread_key_create(&key, { EVP_MD_CTX_free(OpaquePointer($0)) }) == 0 else { return nil }
        return key
    }()

    private static func threadContext() -> OpaquePointer? {
        guard let key = contextKey else { return nil }
        if let existing = pthread_getspecific(key) { return OpaquePointer(existing) }
        guard let context = EVP_MD_CTX_new() else { return nil }
        pthread_setspecific(key, UnsafeRawPointer(context))
        return context
    }

    static func sha256(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { md in
            var length: UInt32 = 32
            let method = sha256Method ?? EVP_sha256()
            if let context = threadContext(), EVP_DigestInit_ex2(context, method, nil) == 1 {
                _ = EVP_DigestUpdate(context, data.baseAddress, data.count)
                _ = EVP_DigestFinal_ex(context, md.baseAddress, &length)
            } else {
                _ = EVP_Digest(data.baseAddress, data.count, md.baseAddress, &length, method, nil)
            }
        }
        return out
    }

    static func sha256<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ sha256(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(bytes).withUnsafeBytes { sha256($0) }
    }

    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        let blockSize = 64
        var block = key.count > blockSize ? sha256(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        var inner = block.map { $0 ^ 0x36 }
        inner += data
        var outer = block.map { $0 ^ 0x5C }
        outer += sha256(inner)
        return sha256(outer)
    }

    static func hmacSHA256(key: [UInt8], string: String) -> [UInt8] {
        hmacSHA256(key: key, data: Array(string.utf8))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0xF)])
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        appendHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
