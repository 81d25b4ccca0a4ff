import Glibc

/// Reads the process environment. Injectable so tests can give their own.
public struct Environment: Sendable {
    private let lookup: @Sendable (String) -> String?

    public init(_ lookup: @escaping @Sendable (String) -> String?) {
        self.lookup = lookup
    }

    /// The real environment of this process.
    public static let process = Environment { name in
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// A value, with empty strings treated as unset (as the AWS SDKs do).
    public subscript(name: String) -> String? {
        guard let value = lookup(name), !value.isEmpty else { return nil }
        return value
    }

    public var home: String? {
        if let home = self["HOME"] { return home }
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    /// Expands a leading "~/" to the home directory.
    func expandingHome(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home else { return path }
        return home + path.dropFirst(1)
    }
}
