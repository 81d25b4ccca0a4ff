/// The user index (opt-in, `StoreOptions.userField`): the session field
/// holding the user id (a dotted path such as "passport.user" reaches into
/// objects) is copied into the top-level `uid` attribute on every write, so
/// a global secondary index on `uid` finds a user's sessions without a
/// scan ("log out everywhere").
struct UserField: Sendable {
    /// The item attribute holding the user id (hashed under hashed ids).
    static let attribute = "uid"
    /// The index name when the options give none.
    static let defaultIndexName = "uid-index"
    /// The longest user id accepted (it is an index key: at most 2048
    /// bytes in DynamoDB, and no real user id comes close).
    static let maximumUserBytes = 1024

    let path: [Substring]

    init(_ field: String) {
        path = field.split(separator: ".", omittingEmptySubsequences: false)
    }

    /// The user id in a session: the field's string, or a number's text;
    /// nil when the session has none (absent, null, empty, another type:
    /// such a session is in no user's index).
    func user(in session: JSON) -> String? {
        var value = session
        for name in path {
            guard let next = value[String(name)] else { return nil }
            value = next
        }
        switch value {
        case .string(let text) where !text.isEmpty && text.utf8.count <= UserField.maximumUserBytes: return text
        case .number(let text): return text
        default: return nil
        }
    }

    /// Checks a user id given to a call.
    static func validate(user: String) throws(StoreError) {
        guard !user.isEmpty, user.utf8.count <= maximumUserBytes else {
            throw .invalid("user id must be 1-\(maximumUserBytes) bytes")
        }
    }
}
