/// The session an item holds, for callers that read items themselves (an
/// AWS SDK GetItem, connect-dynamodb's getParsedSession): the rule is the
/// one `get` applies (`SessionItem.read`, `SessionRule`), never restated
/// by a binding.
extension SessionStore {
    /// The live session in `item` (attribute-value JSON, as GetItem's
    /// `Item`), judged at the store's clock: this store's key, a `sess`
    /// (or `sessz`) that is a JSON object, not expired, not past max age.
    /// - Throws: `.notFound` when the item holds no live session;
    ///   `.invalidArgument` when `item` is not a JSON object.
    public func session(inItem item: UnsafeBufferPointer<UInt8>) throws(StoreError) -> StoredSession {
        let parsed: JSON
        do throws(JSONError) {
            parsed = try JSON.parse(item)
        } catch {
            throw .invalid("item is not JSON: \(error)")
        }
        guard parsed.objectValue != nil else { throw .invalid("item is not a JSON object") }
        switch format.read(parsed, now: options.clock()) {
        case .session(let session): return session
        case .unreadable(_, let why): throw StoreError(.notFound, "no session: \(why)")
        case .none: throw StoreError(.notFound, "the item holds no live session of this store")
        }
    }
}
