/// What a reap deletes and how fast: the one place the reaper's defaults
/// and limits live (the C API's cdyn_reap_options and the bindings map
/// onto this).
public struct ReapOptions: Sendable {
    public enum Target: Sendable, Equatable {
        /// Sessions whose expiry has passed (reap).
        case expired
        /// Every item of this store's prefix, live or not (clear).
        case all
    }

    public var target = Target.expired
    /// Scan and count, but delete nothing.
    public var dryRun = false
    /// Parallel scan segments (DynamoDB's TotalSegments), 1 ... 64.
    public var segments = 1
    /// Read capacity units per second for the scan; 0: no limit.
    public var readUnitsPerSecond: Double = 0
    /// Write capacity units per second for the deletes; 0: no limit.
    public var writeUnitsPerSecond: Double = 0
    /// Items per Scan page (DynamoDB's Limit), 0: as many as fit in 1 MB.
    /// Smaller pages pace a tight budget more evenly.
    public var pageSize = 0
    /// Called after each page with the counts so far (and once more at the
    /// end, `finished` set); returning false stops the reap after the pages
    /// in flight. Runs on the store's I/O loop: it must not block.
    public var progress: (@Sendable (ReapProgress) -> Bool)?
    /// Monotonic seconds, for the budgets and `elapsedSeconds`; injectable
    /// so tests can pace on virtual time.
    public var clock: @Sendable () -> Double = { Double(Clock.monotonicMillis()) / 1000 }

    public static let maximumSegments = 64

    public init() {}

    func validate() throws(StoreError) {
        guard segments >= 1, segments <= ReapOptions.maximumSegments else {
            throw .invalid("segments must be 1 ... \(ReapOptions.maximumSegments) (got \(segments))")
        }
        try CapacityBudget.validate(readUnitsPerSecond: readUnitsPerSecond, writeUnitsPerSecond: writeUnitsPerSecond,
                                    pageSize: pageSize)
    }
}

/// The counts of a reap so far.
public struct ReapProgress: Sendable, Equatable {
    /// Items the scan read (DynamoDB's ScannedCount).
    public var scanned: UInt64 = 0
    /// Items that matched (expired sessions, or all of the prefix's).
    public var matched: UInt64 = 0
    /// Items deleted (0 on a dry run).
    public var deleted: UInt64 = 0
    /// Capacity units the scan consumed, as DynamoDB reported them.
    public var readUnits: Double = 0
    /// Capacity units the deletes consumed, as DynamoDB reported them (one
    /// per item deleted when it reports nothing).
    public var writeUnits: Double = 0
    /// Requests sent again: throttled or failed attempts, and batches whose
    /// items DynamoDB left unprocessed.
    public var retries: UInt64 = 0
    /// Scan pages done.
    public var pages: UInt64 = 0
    /// The table's item count as DynamoDB last published it (it refreshes
    /// it about every six hours), read when the reap starts, for an ETA;
    /// 0 when unknown.
    public var tableItems: UInt64 = 0
    public var elapsedSeconds: Double = 0
    /// The progress callback asked to stop.
    public var cancelled = false
    /// The last report: nothing is in flight any more.
    public var finished = false

    public init() {}
}

/// Deletes (or counts) a store's items with a parallel, paced Scan: each
/// segment scans a page, waits for the read budget, deletes the page's
/// keys in batches of 25 paced by the write budget, reports progress, and
/// goes on to its next page unless asked to stop.
///
/// Confined to the I/O loop (one thread at a time; see IOEngine).
final class Reaper {
    private let store: SessionStore
    private let options: ReapOptions
    private let readBudget: CapacityBudget
    private let writeBudget: CapacityBudget
    private let started: Double
    private let retriesAtStart: UInt64
    private var progress = ReapProgress()
    private var running: Int
    private var failure: StoreError?
    private var completion: ((Result<ReapProgress, StoreError>) -> Void)?
    /// What the next page of a segment is expected to cost (the last one's).
    private var pageEstimate: [Double]

    init(store: SessionStore, options: ReapOptions) {
        self.store = store
        self.options = options
        readBudget = CapacityBudget(unitsPerSecond: options.readUnitsPerSecond, now: options.clock)
        writeBudget = CapacityBudget(unitsPerSecond: options.writeUnitsPerSecond, now: options.clock)
        started = options.clock()
        retriesAtStart = store.stats.snapshot().retries
        running = options.segments
        pageEstimate = Array(repeating: 1, count: options.segments)
    }

    func run(_ completion: @escaping (Result<ReapProgress, StoreError>) -> Void) {
        self.completion = completion
        // The item count only feeds an ETA: without it, the reap goes on.
        store.client.call("DescribeTable", .obj(["TableName": .string(store.options.table)])) { [self] result in
            if case .success(let answer) = result {
                progress.tableItems = UInt64(clamping: answer["Table"]?["ItemCount"]?.int64Value ?? 0)
            }
            startSegments()
        }
    }

    private func startSegments() {
        let filter: SessionStore.ScanFilter = options.target == .all ? .any : .expired
        for segment in 0..<options.segments {
            var request = store.scanRequest(filter, projection: "#k")
            request.append(JSON.Member("ReturnConsumedCapacity", "TOTAL"))
            if options.segments > 1 {
                request.append(JSON.Member("Segment", .number(String(segment))))
                request.append(JSON.Member("TotalSegments", .number(String(options.segments))))
            }
            if options.pageSize > 0 {
                request.append(JSON.Member("Limit", .number(String(options.pageSize))))
            }
            page(segment, request, after: nil)
        }
    }

    private var stopping: Bool { progress.cancelled || failure != nil }

    private func page(_ segment: Int, _ request: [JSON.Member], after startKey: JSON?) {
        if stopping { return segmentDone() }
        let wait = readBudget.delayMillis()
        if wait > 0 {
            return store.engine.schedule(afterMillis: wait) { [self] in page(segment, request, after: startKey) }
        }
        let estimate = pageEstimate[segment]
        readBudget.spend(estimate)
        var body = request
        if let startKey { body.append(JSON.Member("ExclusiveStartKey", startKey)) }
        store.client.call("Scan", .object(body)) { [self] result in
            switch result {
            case .failure(let error):
                readBudget.spend(-estimate)
                failure = failure ?? error.error
                segmentDone()
            case .success(let answer):
                let units = Reaper.capacityUnits(answer["ConsumedCapacity"]) ?? 0
                readBudget.spend(units - estimate)
                pageEstimate[segment] = max(units, 0.5)
                progress.readUnits += units
                progress.scanned &+= UInt64(clamping: answer["ScannedCount"]?.int64Value ?? 0)
                progress.pages &+= 1
                let keys = (answer["Items"]?.arrayValue ?? []).compactMap { item -> JSON? in
                    guard let key = item[store.options.hashKey] else { return nil }
                    return .object([JSON.Member(store.options.hashKey, key)])
                }
                progress.matched &+= UInt64(keys.count)
                let next = answer["LastEvaluatedKey"].flatMap { $0.objectValue?.isEmpty == false ? $0 : nil }
                let afterDeletes = { [self] in
                    report()
                    if let next { page(segment, request, after: next) } else { segmentDone() }
                }
                if options.dryRun || keys.isEmpty { return afterDeletes() }
                BatchDeleter(client: store.client, table: store.options.table, keys: keys,
                             budget: writeBudget).run { [self] outcome in
                    progress.deleted &+= outcome.deleted
                    progress.writeUnits += outcome.units
                    progress.retries &+= outcome.unprocessedRounds
                    if let error = outcome.error { failure = failure ?? error }
                    afterDeletes()
                }
            }
        }
    }

    /// Hands the counts to the progress callback; a false answer stops.
    private func report() {
        guard let callback = options.progress else { return }
        if !callback(snapshot(finished: false)) { progress.cancelled = true }
    }

    private func segmentDone() {
        running -= 1
        guard running == 0, let completion else { return }
        self.completion = nil
        let final = snapshot(finished: true)
        // The counts so far reach the callback even when the reap failed.
        _ = options.progress?(final)
        completion(failure.map { .failure($0) } ?? .success(final))
    }

    private func snapshot(finished: Bool) -> ReapProgress {
        var copy = progress
        copy.retries &+= store.stats.snapshot().retries &- retriesAtStart
        copy.elapsedSeconds = max(0, options.clock() - started)
        copy.finished = finished
        return copy
    }

    /// The units in a ConsumedCapacity member: one object (Scan) or one per
    /// table (BatchWriteItem); nil when the answer has none.
    static func capacityUnits(_ consumed: JSON?) -> Double? {
        guard let consumed else { return nil }
        if let list = consumed.arrayValue {
            let units = list.compactMap { $0["CapacityUnits"]?.doubleValue }
            return units.isEmpty ? nil : units.reduce(0, +)
        }
        return consumed["CapacityUnits"]?.doubleValue
    }
}
