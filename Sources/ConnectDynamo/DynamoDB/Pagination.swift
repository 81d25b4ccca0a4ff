/// Scan and Query page by page: each answer's LastEvaluatedKey becomes the
/// next request's ExclusiveStartKey until DynamoDB sends none.
extension DynamoDBClient {
    /// Pages `operation` ("Scan" or "Query") over `request`; `onPage` gets
    /// each answer and says (through its callback) whether to go on: nil to
    /// go on, an error to stop with it. `done` runs once, with the error
    /// that stopped the walk or nil. Runs on the I/O loop.
    func paginate(_ operation: String, _ request: [JSON.Member],
                  onPage: @escaping (JSON, @escaping (StoreError?) -> Void) -> Void,
                  done: @escaping (StoreError?) -> Void) {
        func page(after startKey: JSON?) {
            var body = request
            if let startKey { body.append(JSON.Member("ExclusiveStartKey", startKey)) }
            call(operation, .object(body)) { result in
                switch result {
                case .failure(let failure):
                    done(failure.error)
                case .success(let answer):
                    onPage(answer) { error in
                        if let error { return done(error) }
                        if let last = answer["LastEvaluatedKey"], let members = last.objectValue, !members.isEmpty {
                            page(after: last)
                        } else {
                            done(nil)
                        }
                    }
                }
            }
        }
        page(after: nil)
    }
}
