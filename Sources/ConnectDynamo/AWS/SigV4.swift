import Glibc

/// AWS Signature Version 4 for a request with headers and a body.
public struct SigV4: Sendable {
    public var region: String
    public var service: String

    public init(region: String, service: String) {
        self.region = region
        self.service = service
    }

    /// The signed request's headers: `headers` plus X-Amz-Date, the session
    /// token when there is one, and Authorization. Every given header is
    /// signed (callers give only what must be: host, content-type, target).
    /// - Parameters:
    ///   - headers: name/value pairs; names in any case.
    ///   - time: the signing time, epoch seconds.
    ///   - keys: where the day's signing key is kept between requests.
    public func sign(method: String, path: String, query: String = "",
                     headers: [(String, String)], body: [UInt8],
                     credentials: Credentials, time: Int64,
                     keys: SigningKeyCache? = nil) -> [(String, String)] {
        let amzDate = SigV4.amzDate(time)
        let day = String(amzDate.prefix(8))
        var all = headers
        all.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken {
            all.append(("X-Amz-Security-Token", token))
        }

        // The canonical request, built as bytes: this runs on every attempt.
        let canonical = all.map { (name: SigV4.lowercasedASCII($0.0), value: SigV4.trimmed($0.1)) }
            .sorted { $0.name.lexicographicallyPrecedes($1.name) }
        var signedHeaders: [UInt8] = []
        for (i, header) in canonical.enumerated() {
            if i > 0 { signedHeaders.append(UInt8(ascii: ";")) }
            signedHeaders += header.name
        }
        var request: [UInt8] = []
        request.reserveCapacity(512)
        request += method.utf8
        request.append(0x0A)
        request += SigV4.canonicalPath(path).utf8
        request.append(0x0A)
        request += query.utf8
        request.append(0x0A)
        for header in canonical {
            request += header.name
            request.append(UInt8(ascii: ":"))
            request += header.value.utf8
            request.append(0x0A)
        }
        request.append(0x0A)
        request += signedHeaders
        request.append(0x0A)
        Digest.appendHex(Digest.sha256(body), to: &request)

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(160)
        stringToSign += "AWS4-HMAC-SHA256\n".utf8
        stringToSign += amzDate.utf8
        stringToSign.append(0x0A)
        stringToSign += scope.utf8
        stringToSign.append(0x0A)
        Digest.appendHex(Digest.sha256(request), to: &stringToSign)
        let key = keys?.key(for: credentials, day: day, signer: self) ?? HMACKey(signingKey(credentials, day: day))

        var authorization: [UInt8] = []
        authorization.reserveCapacity(256)
        authorization += "AWS4-HMAC-SHA256 Credential=".utf8
        authorization += credentials.accessKeyId.utf8
        authorization.append(UInt8(ascii: "/"))
        authorization += scope.utf8
        authorization += ", SignedHeaders=".utf8
        authorization += signedHeaders
        authorization += ", Signature=".utf8
        Digest.appendHex(key.mac(stringToSign), to: &authorization)
        all.append(("Authorization", String(decoding: authorization, as: UTF8.self)))
        return all
    }

    func signingKey(_ credentials: Credentials, day: String) -> [UInt8] {
        let kDate = Digest.hmacSHA256(key: Array(("AWS4" + credentials.secretAccessKey).utf8), string: day)
        let kRegion = Digest.hmacSHA256(key: kDate, string: region)
        let kService = Digest.hmacSHA256(key: kRegion, string: service)
        return Digest.hmacSHA256(key: kService, string: "aws4_request")
    }

    /// "YYYYMMDDTHHMMSSZ" in UTC.
    static func amzDate(_ time: Int64) -> String {
        var t = time_t(time)
        var parts = tm()
        gmtime_r(&t, &parts)
        var out = [UInt8](repeating: UInt8(ascii: "0"), count: 16)
        func put(_ value: Int32, at end: Int, width: Int) {
            var v = Int(max(0, value))
            for i in stride(from: end, to: end - width, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
        }
        put(parts.tm_year + 1900, at: 3, width: 4)
        put(parts.tm_mon + 1, at: 5, width: 2)
        put(parts.tm_mday, at: 7, width: 2)
        out[8] = UInt8(ascii: "T")
        put(parts.tm_hour, at: 10, width: 2)
        put(parts.tm_min, at: 12, width: 2)
        put(parts.tm_sec, at: 14, width: 2)
        out[15] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }

    static func lowercasedASCII(_ name: String) -> [UInt8] {
        name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// Header values are trimmed and inner runs of spaces squeezed.
    static func trimmed(_ value: String) -> String {
        let bytes = value.utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        // Most values (dates, hosts, content types) need nothing done.
        var clean = bytes.first.map { !isSpace($0) } ?? true
        if clean, let last = bytes.last, isSpace(last) { clean = false }
        if clean {
            var previousSpace = false
            for b in bytes {
                if isSpace(b) && (previousSpace || b == 0x09) { clean = false; break }
                previousSpace = isSpace(b)
            }
        }
        if clean { return value }
        var out: [UInt8] = []
        var pendingSpace = false
        for b in bytes {
            if isSpace(b) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The path with every byte but unreserved characters and '/'
    /// percent-encoded ("/" stays "/").
    static func canonicalPath(_ path: String) -> String {
        if path.isEmpty || path == "/" { return "/" }
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}

/// The last signing key derived, kept (with its HMAC pads absorbed) for as
/// long as the secret, the day (UTC), region and service stay the same: the
/// four derivation HMACs and two pad blocks saved per request. Confined to
/// the thread that signs (the I/O loop's).
public final class SigningKeyCache: @unchecked Sendable {
    private var secret = ""
    private var day = ""
    private var scope = ""
    private var key: HMACKey?

    public init() {}

    func key(for credentials: Credentials, day: String, signer: SigV4) -> HMACKey {
        let scope = signer.region + "/" + signer.service
        if let key, credentials.secretAccessKey == secret, day == self.day, scope == self.scope {
            return key
        }
        let derived = HMACKey(signer.signingKey(credentials, day: day))
        key = derived
        secret = credentials.secretAccessKey
        self.day = day
        self.scope = scope
        return derived
    }
}
