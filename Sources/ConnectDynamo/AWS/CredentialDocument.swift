/// The JSON credentials document that the container service, EC2 instance
/// metadata and credential_process all return, in their slightly different
/// spellings:
///
///     {"AccessKeyId": "...", "SecretAccessKey": "...",
///      "Token" | "SessionToken": "...", "Expiration": "2024-...Z"}
///
/// Error messages name the source and the missing field, never a value:
/// the document holds secrets.
enum CredentialDocument {
    /// The credentials in `body`, read as sent by `source` (a name for
    /// messages). `tokenField` is "Token" (container, IMDS) or
    /// "SessionToken" (credential_process).
    static func parse(_ body: [UInt8], source: String, tokenField: String,
                      now: Double) -> Result<Credentials, StoreError> {
        guard let json = try? JSON.parse(body), case .object = json else {
            return .failure(StoreError(.credentials, "\(source) did not return a JSON object"))
        }
        if let code = json["Code"]?.stringValue, code != "Success" {
            // IMDS reports failures in-band; the code is a word, not a secret.
            return .failure(StoreError(.credentials, "\(source) answered Code \"\(printable(code))\""))
        }
        guard let key = json["AccessKeyId"]?.stringValue, !key.isEmpty else {
            return .failure(StoreError(.credentials, "\(source) returned no AccessKeyId"))
        }
        guard let secret = json["SecretAccessKey"]?.stringValue, !secret.isEmpty else {
            return .failure(StoreError(.credentials, "\(source) returned no SecretAccessKey"))
        }
        var token: String?
        if let value = json[tokenField] {
            guard let text = value.stringValue else {
                return .failure(StoreError(.credentials, "\(source) returned a \(tokenField) that is not a string"))
            }
            token = text.isEmpty ? nil : text
        }
        var expiration: Double?
        if let value = json["Expiration"], value != .null {
            guard let text = value.stringValue, let time = ISO8601.epochSeconds(text) else {
                return .failure(StoreError(.credentials, "\(source) returned an Expiration that is not an ISO 8601 time"))
            }
            guard time > now else {
                return .failure(StoreError(.credentials, "\(source) returned credentials that expired at \(printable(text))"))
            }
            expiration = time
        }
        return .success(Credentials(accessKeyId: key, secretAccessKey: secret,
                                    sessionToken: token, expiration: expiration))
    }

    /// At most `limit` printable ASCII characters of a server's word, so
    /// that a hostile answer cannot flood or forge log lines.
    static func printable(_ text: String, limit: Int = 64) -> String {
        String(text.unicodeScalars.prefix(limit).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    }
}
