/// One HTTP request as the engine sends it.
public struct HTTPRequest: Sendable {
    /// "POST" (DynamoDB), "GET" or "PUT" (credential services).
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var connectTimeoutMillis: Int
    public var timeoutMillis: Int
    public var caBundle: String?

    public init(method: String = "POST", url: String, headers: [(String, String)], body: [UInt8],
                connectTimeoutMillis: Int, timeoutMillis: Int, caBundle: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeoutMillis = connectTimeoutMillis
        self.timeoutMillis = timeoutMillis
        self.caBundle = caBundle
    }
}

/// A complete HTTP response.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// AWS's headers (x-amz-*, x-amzn-*), names lowercased; the last value
    /// of a repeated header wins. Other headers are not kept.
    public var headers: [String: String]
    public var body: [UInt8]
}
