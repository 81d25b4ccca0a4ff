/// An AWS access key, and how long it is good for.
public struct Credentials: Sendable, Equatable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Epoch seconds after which these stop working; nil for long-term keys.
    public var expiration: Double?

    public init(accessKeyId: String, secretAccessKey: String,
                sessionToken: String? = nil, expiration: Double? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Whether they still work at `time` (long-term keys always do).
    func isValid(at time: Double) -> Bool {
        expiration.map { $0 > time } ?? true
    }
}

extension Credentials: CustomStringConvertible {
    /// Never the secret or the token: descriptions end up in logs.
    public var description: String {
        "Credentials(accessKeyId: \(accessKeyId), secret: <redacted>\(sessionToken == nil ? "" : ", token: <redacted>"))"
    }
}
