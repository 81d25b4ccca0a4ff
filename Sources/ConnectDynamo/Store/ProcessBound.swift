import Glibc
import Synchronization

/// The parts of a store that belong to one process: the I/O engine (its
/// thread, its connections) and the state only that engine's loop touches
/// (credential cache, table check, retry quota).
///
/// fork() copies a process with only the forking thread: in the child the
/// I/O thread does not exist, and the copied loop state may be the middle
/// of the parent's work (a half-sent request on a socket the parent still
/// uses, a table check whose answer only the parent will get). So the
/// child never touches the parent's parts: the first call there builds new
/// ones (as gRPC and libcurl users do), and what was in flight in the
/// parent at the fork stays the parent's. The copies are never freed in
/// the child: freeing would close the parent's connections under it.
final class ProcessBound: Sendable {
    /// The fork generation (`ForkGeneration`) of the process that built
    /// these parts.
    let generation: UInt64
    let engine: IOEngine
    let client: DynamoDBClient
    let tableManager: TableManager

    /// Builds a store's parts for the calling process.
    typealias Builder = @Sendable () throws(StoreError) -> ProcessBound

    init(engine: IOEngine, client: DynamoDBClient, tableManager: TableManager) {
        generation = ForkGeneration.current
        self.engine = engine
        self.client = client
        self.tableManager = tableManager
    }

    /// Read on every call: a load, not a getpid() system call.
    var isThisProcess: Bool { generation == ForkGeneration.current }
}

/// Where a store keeps its current `ProcessBound`: read without a lock on
/// every call (a lock another thread of the parent held at the fork would
/// stay locked in the child forever), replaced only in a forked child.
/// (Unchecked: an Atomic is not Sendable by type, but is by nature.)
final class ProcessBoundSlot: @unchecked Sendable {
    private let current: Atomic<UnsafeRawPointer>
    private let build: ProcessBound.Builder

    /// The parent's parts each forked child replaced: kept, never freed nor
    /// touched (see ProcessBound), and listed so that they stay reachable
    /// rather than look leaked to a leak checker.
    private static let inherited = Locked<[UnsafeRawPointer]>([])

    init(build: @escaping ProcessBound.Builder) throws(StoreError) {
        self.build = build
        current = Atomic(UnsafeRawPointer(Unmanaged.passRetained(try build()).toOpaque()))
    }

    /// The parts as they are, possibly the parent's (in a forked child
    /// that has not called yet). For the loop's own code, which only ever
    /// runs on the current parts.
    var loaded: ProcessBound {
        Unmanaged<ProcessBound>.fromOpaque(current.load(ordering: .acquiring)).takeUnretainedValue()
    }

    /// The parts for this process, built anew if these are a parent's;
    /// `closed` says whether the store was closed (then a child gets
    /// `.closed` rather than new parts).
    func forThisProcess(closed: Bool) throws(StoreError) -> ProcessBound {
        let seen = current.load(ordering: .acquiring)
        let parts = Unmanaged<ProcessBound>.fromOpaque(seen).takeUnretainedValue()
        if parts.isThisProcess { return parts }
        if closed { throw .closed }
        let fresh = try build()
        let pointer = UnsafeRawPointer(Unmanaged.passRetained(fresh).toOpaque())
        let (exchanged, winner) = current.compareExchange(expected: seen, desired: pointer,
                                                          ordering: .acquiringAndReleasing)
        if exchanged {
            ProcessBoundSlot.inherited.withLock { $0.append(seen) }
            return fresh
        }
        // Another thread of this child built them first.
        fresh.engine.shutdown()
        Unmanaged<ProcessBound>.fromOpaque(pointer).release()
        return Unmanaged<ProcessBound>.fromOpaque(winner).takeUnretainedValue()
    }

    /// Stops the engine if it is this process's; a parent's is left alone
    /// (its thread is not here to stop, nor to wait for).
    func shutdown() {
        let parts = loaded
        if parts.isThisProcess { parts.engine.shutdown() }
    }

    deinit {
        let pointer = current.load(ordering: .acquiring)
        // A parent's parts are never freed in a child (see ProcessBound).
        if Unmanaged<ProcessBound>.fromOpaque(pointer).takeUnretainedValue().isThisProcess {
            Unmanaged<ProcessBound>.fromOpaque(pointer).release()
        }
    }
}
