/// The three-way merge of a versioned save that met a newer session: this
/// save's changes (top-level keys added, changed or removed relative to
/// what it read) applied onto the session as it is now. A key changed on
/// both sides takes this save's value; keys only the other writer changed
/// keep the other writer's value. Nested objects are values like any other
/// (express-session's `cookie` is one key).
enum SessionMerge {
    /// `mine` merged onto `current`, relative to `base`; all three are the
    /// members of JSON objects. Keys keep `current`'s order; keys this save
    /// added come last, in `mine`'s order.
    static func apply(base: [JSON.Member], mine: [JSON.Member], onto current: [JSON.Member]) -> [JSON.Member] {
        var merged = current
        for member in mine where value(of: member.key, in: base) != member.value {
            if let index = merged.firstIndex(where: { $0.key == member.key }) {
                merged[index].value = member.value
            } else {
                merged.append(member)
            }
        }
        for member in base where value(of: member.key, in: mine) == nil {
            merged.removeAll { $0.key == member.key }
        }
        return merged
    }

    /// JSON text as object members; nil when it is not a JSON object.
    static func members(of text: [UInt8]) -> [JSON.Member]? {
        guard let parsed = try? JSON.parse(text) else { return nil }
        return parsed.objectValue
    }

    private static func value(of key: String, in members: [JSON.Member]) -> JSON? {
        members.first { $0.key == key }?.value
    }
}
