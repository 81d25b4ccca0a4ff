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
        // Built as bytes straight into three buffers, with no per-header
        // strings or arrays: this runs on every attempt of every request.
        let amzDate = keys?.amzDate(time) ?? SigV4.amzDate(time)
        let day = Substring(amzDate.utf8.prefix(8))
        let dayText = String(day)  // inline: no allocation
        var all = headers
        all.reserveCapacity(headers.count + 3)
        all.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken {
            all.append(("X-Amz-Security-Token", token))
        }
        // Canonical order: by lowercased name (insertion sort; a handful).
        var order = Array(all.indices)
        for i in order.indices.dropFirst() {
            var j = i
            while j > 0, SigV4.lowercasedPrecedes(all[order[j]].0, all[order[j - 1]].0) {
                order.swapAt(j, j - 1)
                j -= 1
            }
        }

        var request: [UInt8] = []
        request.reserveCapacity(640 + (credentials.sessionToken?.utf8.count ?? 0))
        request.appendUTF8(method)
        request.append(0x0A)
        if path.isEmpty || path == "/" {
            request.append(UInt8(ascii: "/"))
        } else {
            request.appendUTF8(SigV4.canonicalPath(path))
        }
        request.append(0x0A)
        request.appendUTF8(query)
        request.append(0x0A)
        for i in order {
            SigV4.appendLowercased(all[i].0, to: &request)
            request.append(UInt8(ascii: ":"))
            SigV4.appendTrimmed(all[i].1, to: &request)
            request.append(0x0A)
        }
        request.append(0x0A)
        let signedHeadersStart = request.count
        for (n, i) in order.enumerated() {
            if n > 0 { request.append(UInt8(ascii: ";")) }
            SigV4.appendLowercased(all[i].0, to: &request)
        }
        let signedHeaders = signedHeadersStart..<request.count
        request.append(0x0A)
        Digest.appendSHA256Hex(of: body, to: &request)

        func appendScope(_ out: inout [UInt8]) {
            out.appendUTF8(dayText)
            out.append(UInt8(ascii: "/"))
            out.appendUTF8(region)
            out.append(UInt8(ascii: "/"))
            out.appendUTF8(service)
            out.appendUTF8("/aws4_request")
        }
        var stringToSign: [UInt8] = []
        stringToSign.reserveCapacity(192)
        stringToSign.appendUTF8("AWS4-HMAC-SHA256\n")
        stringToSign.appendUTF8(amzDate)
        stringToSign.append(0x0A)
        appendScope(&stringToSign)
        stringToSign.append(0x0A)
        Digest.appendSHA256Hex(of: request, to: &stringToSign)
        let key = keys?.key(for: credentials, day: day, signer: self)
            ?? HMACKey(signingKey(credentials, day: String(day)))

        var authorization: [UInt8] = []
        authorization.reserveCapacity(320)
        authorization.appendUTF8("AWS4-HMAC-SHA256 Credential=")
        authorization.appendUTF8(credentials.accessKeyId)
        authorization.append(UInt8(ascii: "/"))
        appendScope(&authorization)
        authorization.appendUTF8(", SignedHeaders=")
        request.withUnsafeBufferPointer { authorization.append(contentsOf: UnsafeBufferPointer(rebasing: $0[signedHeaders])) }
        authorization.appendUTF8(", Signature=")
        key.withMAC(stringToSign) { Digest.appendHex($0, to: &authorization) }
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

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    static func appendLowercased(_ name: String, to out: inout [UInt8]) {
        var name = name
        name.withUTF8 { bytes in
            out.appendFilled(count: bytes.count) { tail in
                for i in bytes.indices { tail[i] = lowercased(bytes[i]) }
            }
        }
    }

    /// Whether `a` sorts before `b` once both are lowercased.
    static func lowercasedPrecedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<min(x.count, y.count) {
                    let l = lowercased(x[i]), r = lowercased(y[i])
                    if l != r { return l < r }
                }
                return x.count < y.count
            }
        }
    }

    /// Appends the value as `trimmed` gives it (as it is, mostly).
    static func appendTrimmed(_ value: String, to out: inout [UInt8]) {
        var value = value
        let clean = value.withUTF8 { bytes -> Bool in
            guard isClean(bytes) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if !clean { out.appendUTF8(trimmed(value)) }
    }

    /// Whether a value needs no trimming: no space or tab at either end,
    /// no tab, no run of spaces.
    private static func isClean(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        if let first = bytes.first, isSpace(first) { return false }
        if let last = bytes.last, isSpace(last) { return false }
        var previousSpace = false
        for b in bytes {
            if isSpace(b) && (previousSpace || b == 0x09) { return false }
            previousSpace = isSpace(b)
        }
        return true
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

/// What signing keeps between requests: the last signing key derived
/// (with its HMAC pads absorbed) for as long as the secret, the day (UTC),
/// region and service stay the same, which saves four derivation HMACs and
/// two pad blocks per request; and the last X-Amz-Date text, reused within
/// its second. Confined to the thread that signs (the I/O loop's).
public final class SigningKeyCache: @unchecked Sendable {
    private var secret = ""
    private var day = ""
    private var region = ""
    private var service = ""
    private var key: HMACKey?
    private var dateTime: Int64 = .min
    private var dateText = ""

    public init() {}

    func amzDate(_ time: Int64) -> String {
        if time != dateTime {
            dateText = SigV4.amzDate(time)
            dateTime = time
        }
        return dateText
    }

    func key(for credentials: Credentials, day: Substring, signer: SigV4) -> HMACKey {
        if let key, credentials.secretAccessKey == secret, day == self.day,
           signer.region == region, signer.service == service {
            return key
        }
        let derived = HMACKey(signer.signingKey(credentials, day: String(day)))
        key = derived
        secret = credentials.secretAccessKey
        self.day = String(day)
        region = signer.region
        service = signer.service
        return derived
    }
}
