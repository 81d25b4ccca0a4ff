/// Deletes keys with BatchWriteItem, 25 at a time (DynamoDB's limit), and
/// sends back what DynamoDB leaves unprocessed (it does so when throttled)
/// after a backoff on the engine's timers, a bounded number of times.
/// With a write budget, each batch waits for it and pays what DynamoDB
/// reports it consumed.
///
/// Confined to the I/O loop (one thread at a time; see IOEngine).
final class BatchDeleter {
    static let chunkSize = 25
    static let maximumRounds = 10

    struct Outcome {
        var deleted: UInt64 = 0
        /// Write capacity units consumed, as reported (one per deleted item
        /// when DynamoDB reports nothing).
        var units: Double = 0
        /// Batches sent again because some of their items were unprocessed.
        var unprocessedRounds: UInt64 = 0
        var error: StoreError?
    }

    private let client: DynamoDBClient
    private let table: String
    private let budget: CapacityBudget?
    private var pending: ArraySlice<JSON>
    private var outcome = Outcome()

    init(client: DynamoDBClient, table: String, keys: [JSON], budget: CapacityBudget? = nil) {
        self.client = client
        self.table = table
        self.budget = budget
        self.pending = keys[...]
    }

    /// Deletes everything; calls back with the outcome (the error that
    /// stopped it, if any, and what was done until then).
    func run(_ completion: @escaping (Outcome) -> Void) {
        nextChunk(completion)
    }

    private func nextChunk(_ completion: @escaping (Outcome) -> Void) {
        guard !pending.isEmpty else { return completion(outcome) }
        let chunk = Array(pending.prefix(BatchDeleter.chunkSize))
        pending = pending.dropFirst(chunk.count)
        send(chunk, round: 1, completion)
    }

    private func send(_ keys: [JSON], round: Int, _ completion: @escaping (Outcome) -> Void) {
        if let budget, budget.isLimited {
            let wait = budget.delayMillis()
            if wait > 0 {
                return client.engine.schedule(afterMillis: wait) { [self] in send(keys, round: round, completion) }
            }
        }
        // Deleting an item of up to 1 KB costs one unit: the estimate.
        let estimate = Double(keys.count)
        budget?.spend(estimate)
        let requests = keys.map { JSON.obj(["DeleteRequest": .obj(["Key": $0])]) }
        let body = JSON.obj([
            "RequestItems": .object([JSON.Member(table, .array(requests))]),
            "ReturnConsumedCapacity": "TOTAL",
        ])
        client.call("BatchWriteItem", body) { [self] result in
            switch result {
            case .failure(let failure):
                budget?.spend(-estimate)
                outcome.error = failure.error
                completion(outcome)
            case .success(let answer):
                let unprocessed = (answer["UnprocessedItems"]?[table]?.arrayValue ?? [])
                    .compactMap { $0["DeleteRequest"]?["Key"] }
                let deleted = keys.count - min(unprocessed.count, keys.count)
                let units = Reaper.capacityUnits(answer["ConsumedCapacity"]) ?? Double(deleted)
                budget?.spend(units - estimate)
                outcome.units += units
                outcome.deleted &+= UInt64(deleted)
                guard !unprocessed.isEmpty else { return nextChunk(completion) }
                guard round < BatchDeleter.maximumRounds else {
                    outcome.error = StoreError(.throttled,
                        "\(unprocessed.count) item(s) still unprocessed after \(round) BatchWriteItem rounds")
                    return completion(outcome)
                }
                client.stats.count(.throttles)
                outcome.unprocessedRounds &+= 1
                let delay = client.retry.backoff(attempt: round)
                client.engine.schedule(afterMillis: delay) { [self] in
                    send(unprocessed, round: round + 1, completion)
                }
            }
        }
    }
}
