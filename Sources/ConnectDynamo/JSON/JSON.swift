/// A JSON value, as the DynamoDB wire protocol and sessions use it.
///
/// Objects keep their members in order: the encoder writes them as given,
/// so a request body is byte-for-byte predictable (SigV4 signs it).
/// Numbers keep their text, so nothing is lost to Double rounding.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's JSON text, already validated.
    case number(String)
    case string(String)
    case array([JSON])
    case object([Member])

    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSON
        public init(_ key: String, _ value: JSON) {
            self.key = key
            self.value = value
        }
    }

    /// The first member named `key` of an object; nil for other values.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key {
            return member.value
        }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [Member]? {
        if case .object(let m) = self { return m }
        return nil
    }

    /// The value of a number, or of a string holding a number (DynamoDB
    /// sends attribute numbers as strings).
    public var doubleValue: Double? {
        switch self {
        case .number(let text), .string(let text): return Double(text)
        default: return nil
        }
    }

    /// A whole number that fits Int64, from a number or numeric string.
    public var int64Value: Int64? {
        switch self {
        case .number(let text), .string(let text):
            if let exact = Int64(text) { return exact }
            guard let d = Double(text), d.isFinite,
                  d >= -9.2e18, d <= 9.2e18 else { return nil }
            return Int64(d.rounded(.down))
        default:
            return nil
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByIntegerLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
}

extension JSON {
    /// An object from ordered key/value pairs.
    public static func obj(_ pairs: KeyValuePairs<String, JSON>) -> JSON {
        .object(pairs.map { Member($0.key, $0.value) })
    }
}
