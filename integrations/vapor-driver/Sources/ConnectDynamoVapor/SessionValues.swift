import ConnectDynamo
import Vapor

/// Vapor's `SessionData` (string values) to and from the members of an
/// express session (any JSON values).
enum SessionValues {
    /// Strings as they are; any other JSON value as its JSON text.
    static func sessionData(from session: ExpressSession) -> SessionData {
        var values: [String: String] = [:]
        for member in session.members where values[member.key] == nil {
            values[member.key] = text(of: member.value)
        }
        return SessionData(initialData: values)
    }

    /// The members to store for `data`: those the session was loaded with
    /// first, in their order, a value the app left as it read it written
    /// back as it was (a number stays a number); then new keys, sorted so
    /// that the same data is always the same item.
    static func members(of data: SessionData, loaded: ExpressSession?) -> [JSON.Member] {
        var remaining = data.snapshot
        remaining[ExpressSession.cookieKey] = nil
        var members: [JSON.Member] = []
        for member in loaded?.members ?? [] {
            guard let value = remaining.removeValue(forKey: member.key) else { continue }
            members.append(JSON.Member(member.key, value == text(of: member.value) ? member.value : .string(value)))
        }
        for key in remaining.keys.sorted() {
            members.append(JSON.Member(key, .string(remaining[key] ?? "")))
        }
        return members
    }

    static func text(of value: JSON) -> String {
        value.stringValue ?? value.encodedString()
    }
}
