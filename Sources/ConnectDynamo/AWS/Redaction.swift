/// The last line of defence for "no secret in a log line or an error
/// message": messages are built from names, codes and key ids, but some
/// carry text a server sent back, and a confused or hostile server could
/// echo what it was given. Before such text leaves the library, every
/// secret the sender knows of is cut out, and then whatever looks like a
/// signature or a token (see `ServerText`), and the text is made one
/// capped line.
enum Redaction {
    static let placeholder = "<redacted>"

    /// `message` with each occurrence of each secret replaced (short
    /// strings are left alone: replacing "a" everywhere would only
    /// garble), then `ServerText.sanitized`.
    static func scrub(_ message: String, _ secrets: [String]) -> String {
        var out = message
        for secret in secrets where secret.utf8.count >= 8 && out.contains(secret) {
            out = out.replacing(secret, with: placeholder)
        }
        return ServerText.sanitized(out)
    }

    /// The secret parts of a set of credentials.
    static func secrets(of credentials: Credentials) -> [String] {
        [credentials.secretAccessKey] + (credentials.sessionToken.map { [$0] } ?? [])
    }
}
