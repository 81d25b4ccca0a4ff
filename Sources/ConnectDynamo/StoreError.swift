/// Why a store call failed: a code that maps one-to-one onto the C API's
/// cdyn_error_code, and a message for people (never containing a secret).
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Int32, Sendable, CaseIterable {
        case failure = -1
        case invalidArgument = -2
        case outOfMemory = -3
        case notFound = -4
        case conditionFailed = -5
        case tooLarge = -6
        case throttled = -7
        case validation = -8
        case auth = -9
        case credentials = -10
        case noTable = -11
        case network = -12
        case timeout = -13
        case server = -14
        case protocolError = -15
        case closed = -16
        case deadlock = -17
    }

    public let code: Code
    public let message: String
    /// No retry can change this failure (a certificate that does not
    /// verify), however retryable its code usually is.
    public let isPermanent: Bool

    public init(_ code: Code, _ message: String, permanent: Bool = false) {
        self.code = code
        self.message = message
        self.isPermanent = permanent
    }

    public var description: String { message }

    static func invalid(_ message: String) -> StoreError { StoreError(.invalidArgument, message) }
    static let closed = StoreError(.closed, "the store was closed")
}
