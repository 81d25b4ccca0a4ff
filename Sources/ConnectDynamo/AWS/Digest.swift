import CCrypto

/// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto, and hex encoding:
/// what SigV4 needs.
enum Digest {
    static func sha256(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { md in
            _ = SHA256(data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, md.baseAddress)
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
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                out.withUnsafeMutableBufferPointer { md in
                    _ = HMAC(EVP_sha256(), k.baseAddress, Int32(clamping: k.count),
                             d.baseAddress?.assumingMemoryBound(to: UInt8.self), d.count,
                             md.baseAddress, &length)
                }
            }
        }
        return out
    }

    static func hmacSHA256(key: [UInt8], string: String) -> [UInt8] {
        hmacSHA256(key: key, data: Array(string.utf8))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
