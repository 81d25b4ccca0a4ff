/// Just enough XML to read STS's query-protocol answers: the text of a few
/// known elements, nested as STS nests them, with the five predefined
/// entities and numeric character references decoded. STS's answers are
/// small, flat and attribute-free; anything that does not look like one is
/// a failure, never a crash.
///
///     <AssumeRoleWithWebIdentityResponse ...><AssumeRoleWithWebIdentityResult>
///       <Credentials><AccessKeyId/><SecretAccessKey/><SessionToken/>
///       <Expiration/></Credentials> ...
///     <ErrorResponse><Error><Code/><Message/></Error></ErrorResponse>
enum STSResponse {
    /// The credentials of an AssumeRoleWithWebIdentity (or AssumeRole)
    /// answer.
    static func credentials(_ body: [UInt8], now: Double) -> Result<Credentials, StoreError> {
        let text = Substring(String(decoding: body, as: UTF8.self))
        guard let block = element("Credentials", in: text) else {
            return .failure(StoreError(.credentials, "STS answer has no Credentials element"))
        }
        guard let key = element("AccessKeyId", in: block).map(decode), !key.isEmpty else {
            return .failure(StoreError(.credentials, "STS answer has no AccessKeyId"))
        }
        guard let secret = element("SecretAccessKey", in: block).map(decode), !secret.isEmpty else {
            return .failure(StoreError(.credentials, "STS answer has no SecretAccessKey"))
        }
        guard let token = element("SessionToken", in: block).map(decode), !token.isEmpty else {
            return .failure(StoreError(.credentials, "STS answer has no SessionToken"))
        }
        guard let expirationText = element("Expiration", in: block).map(decode),
              let expiration = ISO8601.epochSeconds(expirationText.trimmingWhitespace())
        else {
            return .failure(StoreError(.credentials, "STS answer has no valid Expiration"))
        }
        guard expiration > now else {
            return .failure(StoreError(.credentials, "STS returned credentials that have already expired"))
        }
        return .success(Credentials(accessKeyId: key.trimmingWhitespace(), secretAccessKey: secret.trimmingWhitespace(),
                                    sessionToken: token.trimmingWhitespace(), expiration: expiration))
    }

    /// What an STS call came to: the credentials, or why not, in words for
    /// an error message (the caller adds which call and scrubs secrets).
    static func outcome(_ result: Result<HTTPResponse, StoreError>, now: Double) -> Result<Credentials, StoreError> {
        switch result {
        case .failure(let error):
            return .failure(error)
        case .success(let response) where response.status != 200:
            guard let error = error(response.body) else {
                return .failure(StoreError(.credentials, "HTTP \(response.status)"))
            }
            let detail = error.message.isEmpty ? "" : ": " + CredentialDocument.printable(error.message, limit: 300)
            return .failure(StoreError(.credentials, CredentialDocument.printable(error.code) + detail))
        case .success(let response):
            return credentials(response.body, now: now)
        }
    }

    /// The Code and Message of an ErrorResponse, when the body is one.
    static func error(_ body: [UInt8]) -> (code: String, message: String)? {
        let text = Substring(String(decoding: body, as: UTF8.self))
        guard let error = element("Error", in: text), let code = element("Code", in: error) else { return nil }
        return (decode(code).trimmingWhitespace(), element("Message", in: error).map(decode)?.trimmingWhitespace() ?? "")
    }

    /// The content of the first `<name>` or `<name attributes...>` element in
    /// `text`, up to its matching close tag (STS never nests an element in
    /// one of the same name). Nil if there is none or it is not closed.
    static func element(_ name: String, in text: Substring) -> Substring? {
        var searchFrom = text.startIndex
        while let open = text[searchFrom...].firstRange(of: "<" + name) {
            // The next character must end the name: `>`, a space, or `/>`.
            guard let after = text[open.upperBound...].first else { return nil }
            if after == ">" || after == " " || after == "\t" || after == "\n" || after == "\r\n" || after == "/" {
                guard let tagEnd = text[open.upperBound...].firstIndex(of: ">") else { return nil }
                if text[..<tagEnd].last == "/" { return text[tagEnd..<tagEnd] }  // <name/>: empty
                let contentStart = text.index(after: tagEnd)
                guard let close = text[contentStart...].firstRange(of: "</" + name + ">") else { return nil }
                return text[contentStart..<close.lowerBound]
            }
            searchFrom = open.upperBound
        }
        return nil
    }

    /// Decodes &lt; &gt; &amp; &quot; &apos; and &#NN; / &#xNN;. An entity
    /// it does not know is kept as written.
    static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let afterAmp = rest.index(after: amp)
            guard let semi = rest[afterAmp...].prefix(12).firstIndex(of: ";") else {
                out += "&"
                rest = rest[afterAmp...]
                continue
            }
            let name = rest[afterAmp..<semi]
            var replacement: String?
            switch name {
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "amp": replacement = "&"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if name.hasPrefix("#") {
                    replacement = UInt32(name.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                }
            }
            if let replacement {
                out += replacement
                rest = rest[rest.index(after: semi)...]
            } else {
                out += "&"
                rest = rest[afterAmp...]
            }
        }
        out += rest
        return out
    }
}
