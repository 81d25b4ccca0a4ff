/// Deletes keys with BatchWriteItem, 25 at a time (DynamoDB's limit), and
/// sends back what DynamoDB leaves unprocessed (it does so when throttled)
/// after a backoff on the engine's timers, a bounded number of times.
///
/// Confined to the I/O loop (one thread at a time; see IOEngine).
final class BatchDeleter {
    static let chunkSize = 25
    static let maximumRounds = 10

    private let client: DynamoDBClient
    private let table: String
    private var pending: ArraySlice<JSON>
    private var deleted: UInt64 = 0

    init(client: DynamoDBClient, table: String, keys: [JSON]) {
        self.client = client
        self.table = table
        self.pending = keys[...]
    }

    /// Deletes everything; calls back with how many were deleted and the
    /// error that stopped it, if any.
    func run(_ completion: @escaping (UInt64, StoreError?) -> Void) {
        nextChunk(completion)
    }

    private func nextChunk(_ completion: @escaping (UInt64, StoreError?) -> Void) {
        guard !pending.isEmpty else { return completion(deleted, nil) }
        let chunk = Array(pending.prefix(BatchDeleter.chunkSize))
        pending = pending.dropFirst(chunk.count)
        send(chunk, round: 1, completion)
    }

    private func send(_ keys: [JSON], round: Int, _ completion: @escaping (UInt64, StoreError?) -> Void) {
        let requests = keys.map { JSON.obj(["DeleteRequest": .obj(["Key": $0])]) }
        let body = JSON.obj(["RequestItems": .object([JSON.Member(table, .array(requests))])])
        client.call("BatchWriteItem", body) { [self] result in
            switch result {
            case .failure(let failure):
                completion(deleted, failure.error)
            case .success(let answer):
                let unprocessed = (answer["UnprocessedItems"]?[table]?.arrayValue ?? [])
                    .compactMap { $0["DeleteRequest"]?["Key"] }
                deleted &+= UInt64(keys.count - min(unprocessed.count, keys.count))
                guard !unprocessed.isEmpty else { return nextChunk(completion) }
                guard round < BatchDeleter.maximumRounds else {
                    return completion(deleted, StoreError(.throttled,
                        "\(unprocessed.count) item(s) still unprocessed after \(round) BatchWriteItem rounds"))
                }
                client.stats.count(.throttles)
                let delay = client.retry.backoff(attempt: round)
                client.engine.schedule(afterMillis: delay) { [self] in
                    send(unprocessed, round: round + 1, completion)
                }
            }
        }
    }
}
