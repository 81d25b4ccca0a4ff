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
    public func sign(method: String, path: String, query: String = "",
                     headers: [(String, String)], body: [UInt8],
                     credentials: Credentials, time: Int64) -> [(String, String)] {
        let amzDate = SigV4.amzDate(time)
        let day = String(amzDate.prefix(8))
        var all = headers
        all.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken {
            all.append(("X-Amz-Security-Token", token))
        }

        let canonical = all.map { (name: $0.0.lowercased(), value: SigV4.trimmed($0.1)) }
            .sorted { $0.name < $1.name }
        let signedHeaders = canonical.map(\.name).joined(separator: ";")
        var request = method + "\n" + SigV4.canonicalPath(path) + "\n" + query + "\n"
        for header in canonical {
            request += header.name + ":" + header.value + "\n"
        }
        request += "\n" + signedHeaders + "\n" + Digest.hex(Digest.sha256(body))

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n"
            + Digest.hex(Digest.sha256(Array(request.utf8)))
        let signature = Digest.hex(Digest.hmacSHA256(key: signingKey(credentials, day: day),
                                                     string: stringToSign))
        all.append(("Authorization",
                    "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), "
                        + "SignedHeaders=\(signedHeaders), Signature=\(signature)"))
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
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
            + "T" + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
    }

    /// Header values are trimmed and inner runs of spaces squeezed.
    static func trimmed(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for ch in value.unicodeScalars {
            if ch == " " || ch == "\t" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.unicodeScalars.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// The path with every byte but unreserved characters and '/'
    /// percent-encoded ("/" stays "/").
    static func canonicalPath(_ path: String) -> String {
        if path.isEmpty { return "/" }
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
