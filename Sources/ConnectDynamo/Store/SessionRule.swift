/// What "a session" is: one rule, applied alike by `get`, `touch`, the
/// conditions of create-only and update-only writes, and every scan
/// (`length`, `ids`, `all`, `clear`, `reap`). An item of this store is a
/// live session when
///
/// - its `sess` is a String, or its `sessz` (the opt-in compressed form)
///   or `sesse` (the opt-in encrypted form) a Binary (connect-dynamodb's touch stub, an item with only a key and
///   `expires`, is not a session), and
/// - its `expires` is absent (it never expires, as connect-dynamodb reads
///   it) or a Number after now. An `expires` of any other type (a String,
///   say, written by hand or by another tool) makes the item no session:
///   DynamoDB cannot compare it with a number, and a rule that conditions
///   and scan filters cannot state would differ from call to call.
///
/// Reading adds one check that no condition can make: a `sess` that is
/// not a JSON object is read as no session, with a warning
/// (`SessionItem.read`).
///
/// The expressions here are the only statement of that rule to DynamoDB:
/// build conditions and filters from them rather than restating it.
enum SessionRule {
    /// The item is a live session at `now`.
    static func live(now: Double) -> ConditionExpression {
        ConditionExpression(
            "(attribute_type(#s, :string) OR attribute_type(#z, :binary) OR attribute_type(#x, :binary))"
                + " AND (attribute_not_exists(#e) OR (attribute_type(#e, :number) AND #e > :now))",
            names: [names.sess, names.sessz, names.sesse, names.expires],
            values: [values.string, values.binary, values.number, values.now(now)])
    }

    /// No live session at `now`: no item, or one that is not a session by
    /// the rule (expired, a stub, ...), which a create-only write replaces.
    static func notLive(now: Double) -> ConditionExpression {
        live(now: now).negated
    }

    /// The item's `expires` is a Number at or before `now`, session or stub:
    /// what `reap` deletes (DynamoDB's TTL deletes the same items).
    static func expired(now: Double) -> ConditionExpression {
        ConditionExpression("attribute_type(#e, :number) AND #e <= :now",
                            names: [names.expires], values: [values.number, values.now(now)])
    }

    private enum names {
        static let sess = JSON.Member("#s", "sess")
        /// the opt-in compressed form of `sess` (SessionCompression)
        static let sessz = JSON.Member("#z", .string(SessionCompression.attribute))
        /// the opt-in encrypted form (SessionCipher)
        static let sesse = JSON.Member("#x", .string(SessionCipher.attribute))
        static let expires = JSON.Member("#e", "expires")
    }

    private enum values {
        static let string = JSON.Member(":string", .obj(["S": "S"]))
        static let binary = JSON.Member(":binary", .obj(["S": "B"]))
        static let number = JSON.Member(":number", .obj(["S": "N"]))
        static func now(_ now: Double) -> JSON.Member { JSON.Member(":now", .obj(["N": .string(String(now))])) }
    }
}

/// A DynamoDB condition or filter expression with the attribute names and
/// values it uses (DynamoDB refuses a request that declares one it does
/// not use, so each expression carries exactly its own).
struct ConditionExpression: Equatable {
    var text: String
    var names: [JSON.Member]
    var values: [JSON.Member]

    init(_ text: String, names: [JSON.Member] = [], values: [JSON.Member] = []) {
        self.text = text
        self.names = names
        self.values = values
    }

    var negated: ConditionExpression {
        ConditionExpression("NOT (\(text))", names: names, values: values)
    }

    /// Either holds; names and values declared by both are kept once.
    func or(_ other: ConditionExpression) -> ConditionExpression {
        let both = and(other)
        return ConditionExpression("(\(text)) OR (\(other.text))", names: both.names, values: both.values)
    }

    /// Both must hold; names and values declared by both are kept once.
    func and(_ other: ConditionExpression) -> ConditionExpression {
        func merged(_ a: [JSON.Member], _ b: [JSON.Member]) -> [JSON.Member] {
            a + b.filter { member in !a.contains { $0.key == member.key } }
        }
        return ConditionExpression("(\(text)) AND (\(other.text))",
                                   names: merged(names, other.names), values: merged(values, other.values))
    }

    /// The request members that state it, as `expressionKey`
    /// ("ConditionExpression" or "FilterExpression"), with the request's
    /// own further names and values (say, an UpdateExpression's).
    func members(as expressionKey: String, names extraNames: [JSON.Member] = [],
                 values extraValues: [JSON.Member] = []) -> [JSON.Member] {
        let allNames = names + extraNames.filter { member in !names.contains { $0.key == member.key } }
        let allValues = values + extraValues.filter { member in !values.contains { $0.key == member.key } }
        var members = [JSON.Member(expressionKey, .string(text))]
        if !allNames.isEmpty { members.append(JSON.Member("ExpressionAttributeNames", .object(allNames))) }
        if !allValues.isEmpty { members.append(JSON.Member("ExpressionAttributeValues", .object(allValues))) }
        return members
    }
}
