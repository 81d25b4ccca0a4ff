import CCrypto

/// SHA-256 over OpenSSL's libcrypto, as a value: absorb bytes, copy the
/// state, finish. Cheap enough for every request's SigV4 (see CCrypto's
/// shim for why not EVP).
struct SHA256 {
    private var context = SHA256_CTX()

    init() {
        SHA256_Init(&context)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        SHA256_Update(&context, base, bytes.count)
    }

    mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// The digest; this value is spent afterwards.
    mutating func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { _ = SHA256_Final($0.baseAddress, &context) }
        return out
    }

    /// The digest, handed to `body` from the stack (no allocation: SigV4
    /// takes several per request); this value is spent afterwards.
    mutating func finish<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &digest) { bytes in
            _ = SHA256_Final(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), &context)
            return body(UnsafeRawBufferPointer(bytes))
        }
    }
}

/// HMAC-SHA256 with the key's two padded blocks absorbed once (RFC 2104):
/// each message then costs its own bytes and one more block.
struct HMACKey {
    private var inner = SHA256()
    private var outer = SHA256()

    init(_ key: [UInt8]) {
        var block = key
        if block.count > 64 {
            var hash = SHA256()
            hash.update(block)
            block = hash.finish()
        }
        block += [UInt8](repeating: 0, count: 64 - block.count)
        inner.update(block.lazy.map { $0 ^ 0x36 })
        outer.update(block.lazy.map { $0 ^ 0x5C })
    }

    func mac<C: Collection>(_ message: C) -> [UInt8] where C.Element == UInt8 {
        withMAC(message) { Array($0) }
    }

    /// The MAC of `message`, handed to `body` from the stack.
    func withMAC<C: Collection, T>(_ message: C, _ body: (UnsafeRawBufferPointer) -> T) -> T
    where C.Element == UInt8 {
        var first = inner
        first.update(message)
        var second = outer
        first.finish { second.update($0) }
        return second.finish(body)
    }
}

enum Digest {
    static func sha256<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var hash = SHA256()
        hash.update(bytes)
        return hash.finish()
    }

    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        HMACKey(key).mac(data)
    }

    static func hmacSHA256(key: [UInt8], string: String) -> [UInt8] {
        HMACKey(key).mac(string.utf8)
    }

    static func appendHex<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        out.appendFilled(count: bytes.count * 2) { tail in
            var i = 0
            for b in bytes {
                tail[i] = hexDigit(b >> 4)
                tail[i + 1] = hexDigit(b & 0xF)
                i += 2
            }
        }
    }

    /// The same for a digest on the stack (SigV4's three per request).
    static func appendHex(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.appendFilled(count: bytes.count * 2) { tail in
            guard var write = tail.baseAddress else { return }
            for b in bytes {
                write[0] = hexDigit(b >> 4)
                write[1] = hexDigit(b & 0xF)
                write += 2
            }
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    /// The lowercase hex SHA-1 of `text`'s UTF-8: how the AWS CLI names its
    /// SSO token cache files. Not for security.
    static func sha1Hex(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: 20)
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { out in
                _ = SHA1(input.baseAddress, input.count, out.baseAddress)
            }
        }
        var hex: [UInt8] = []
        appendHex(digest, to: &hex)
        return String(decoding: hex, as: UTF8.self)
    }

    /// Appends the lowercase hex SHA-256 of `bytes` (SigV4's HexEncode(Hash())).
    static func appendSHA256Hex<C: Collection>(of bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        var hash = SHA256()
        hash.update(bytes)
        hash.finish { appendHex($0, to: &out) }
    }
}
