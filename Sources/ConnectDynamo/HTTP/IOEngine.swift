import CCurl
import Glibc
import Synchronization

/// One I/O loop driving a libcurl multi handle: every request of a store
/// runs here, connections are kept alive and reused, and waiting (retry
/// backoff, table polling) is done with timers, never by sleeping a thread.
///
/// The loop normally runs on the engine's own I/O thread. A thread about to
/// wait for a call of its own may run the loop itself instead (`lend`),
/// while the engine has nothing else to do: a blocking call then costs one
/// sleep on the socket, as a plain synchronous client's does, instead of
/// three thread wake-ups (I/O thread for the job, I/O thread for the reply,
/// caller for the result), each of which costs far more CPU than the work.
/// Only one thread runs the loop at a time; which one is `Loop.driver`.
///
/// libcurl is driven by curl_multi_socket_action over an epoll set
/// (`creactor`): a wake-up touches only the sockets that are ready and the
/// transfers whose timeouts are due, so its cost does not grow with the
/// calls in flight (curl_multi_poll and curl_multi_perform walk them all).
///
/// `post` may be called from any thread. Everything else (`send`,
/// `schedule`) runs on the loop's thread, inside jobs, completions and timers.
public final class IOEngine: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    /// The epoll set libcurl's sockets and the wake-up eventfd live in
    /// (see creactor.h: only ready sockets are touched on a wake-up).
    private let reactor: UnsafeMutablePointer<creactor>
    private let loop = Locked(Loop())
    private let stopping = Atomic<Bool>(false)
    private let userAgent: String
    private var thread = pthread_t()
    private var threadStarted = false

    // Loop state: touched only by the thread that runs the loop.
    private var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    /// The CA bundle ("" for the system's) each handle was last set up
    /// with. Handles are reused without curl_easy_reset (see `send`), except
    /// when the CA bundle changes.
    private var handleCABundles: [UnsafeMutableRawPointer: String] = [:]
    private var timers: [(deadline: Int64, sequence: UInt64, job: () -> Void)] = []
    private var timerSequence: UInt64 = 0
    private var needsPerform = false

    private static let curlReady: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// `maxConnections` bounds the connections open at once to any one
    /// host (the store's endpoint): libcurl queues the transfers beyond it
    /// until a connection comes free, and keeps every one of them in its
    /// cache between calls, so however many calls are in flight, no call
    /// opens a connection (a TLS handshake, a port) that the pool could
    /// have lent it. A queued call's request timeout runs from when it was
    /// added, queue included: libcurl checks it once the call has a
    /// connection, at the latest on the loop's next turn (`waitMillis`
    /// caps a turn at a second), so a call never waits unbounded behind a
    /// hung server's connections.
    public init(userAgent: String, maxConnections: Int = Int(StoreOptions().maxConnections)) throws(StoreError) {
        guard IOEngine.curlReady, let multi = curl_multi_init() else {
            throw StoreError(.failure, "libcurl could not be initialised")
        }
        // The limit is per host, not in total: a credential service's
        // request (IMDS, STS, SSO) never waits behind the DynamoDB calls
        // that are waiting for its answer. The cache holds a full pool plus
        // room for those services' connections, so a kept-alive DynamoDB
        // connection is never closed to make room (libcurl's own default,
        // 4 per transfer added, would grow and shrink with the load).
        let cacheSize = maxConnections + IOEngine.otherHostsConnections
        guard ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnections) == CURLM_OK,
              ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, cacheSize) == CURLM_OK else {
            curl_multi_cleanup(multi)
            throw StoreError(.failure, "libcurl refused a connection limit of \(maxConnections)")
        }
        let reactor = UnsafeMutablePointer<creactor>.allocate(capacity: 1)
        reactor.initialize(to: creactor())
        guard creactor_open(reactor, multi) == 0 else {
            let error = errno
            curl_multi_cleanup(multi)
            reactor.deallocate()
            throw StoreError(.failure, "could not open the I/O loop's epoll set (errno \(error))")
        }
        self.multi = multi
        self.reactor = reactor
        self.userAgent = userAgent
        try startThread()
    }

    /// Cache room for connections to hosts other than the endpoint (the
    /// credential services), beyond the endpoint's pool.
    static let otherHostsConnections = 8

    deinit {
        for handle in idleHandles { curl_easy_cleanup(handle) }
        curl_multi_cleanup(multi)
        creactor_close(reactor)
        reactor.deallocate()
    }

    // MARK: - Any thread

    public typealias Job = @Sendable () -> Void

    /// Who runs the loop, and the jobs waiting for it.
    private struct Loop {
        enum Driver {
            /// The I/O thread (running, or waiting in epoll_wait).
            case ioThread
            /// Nobody: nothing is in flight; the I/O thread sleeps until a
            /// job comes.
            case idle
            /// A thread waiting for its own call runs the loop (`lend`).
            case lent(pthread_t)
        }
        /// Idle from the start: the first call may be lent the loop.
        var driver = Driver.idle
        var jobs: [Job] = []
        /// Jobs the borrowing thread posted while starting its own call:
        /// run by it. (Anything it posts later, say from a log callback, is
        /// someone else's and goes to the I/O thread.)
        var lentJobs: [Job] = []
        var lentStarting = false
        /// Set once the loop has ended: no job can run any more.
        var exited = false

        var ioThreadDrives: Bool {
            if case .ioThread = driver { return true }
            return false
        }

        func isLent(to thread: pthread_t) -> Bool {
            if case .lent(let borrower) = driver { return pthread_equal(borrower, thread) != 0 }
            return false
        }
    }

    /// True on the thread running the loop for this engine (the I/O thread,
    /// or a thread it is lent to), where waiting for a call would deadlock.
    public var isOnIOThread: Bool {
        let me = pthread_self()
        if threadStarted && pthread_equal(me, thread) != 0 { return true }
        return loop.withLock { $0.isLent(to: me) }
    }

    /// Runs `job` on the loop soon, and returns true; a job posted during
    /// shutdown still runs (so an operation can report that the store is
    /// closed). Returns false, without running it, once the loop has ended.
    @discardableResult
    public func post(_ job: @escaping Job) -> Bool {
        enum Route { case refused, own, wakeThread, wakePoll }
        let me = pthread_self()
        let route = loop.withLock { state -> Route in
            if state.exited { return .refused }
            if state.lentStarting && state.isLent(to: me) {
                state.lentJobs.append(job)
                return .own
            }
            state.jobs.append(job)
            if case .idle = state.driver {
                state.driver = .ioThread
                return .wakeThread
            }
            return .wakePoll
        }
        switch route {
        case .refused: return false
        case .own: break
        case .wakeThread: loop.broadcast()
        case .wakePoll: creactor_wake(reactor)
        }
        return true
    }

    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Stops the engine: transfers in flight fail with `StoreError.closed`,
    /// timers fire at once, and the thread exits when nothing is left.
    /// Waits for that unless called on the loop's thread itself.
    public func shutdown() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        loop.withLock { state in
            if case .idle = state.driver { state.driver = .ioThread }
        }
        loop.broadcast()
        creactor_wake(reactor)
        guard threadStarted else { return }
        if isOnIOThread {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }

    /// Runs `start` and then, until `done()` holds, the loop itself on the
    /// calling thread, when the loop is idle; otherwise just runs `start`
    /// (its jobs go to the I/O thread as usual). The loop goes back to the
    /// I/O thread as soon as anyone else posts a job or the engine stops, so
    /// others' work and callbacks never run on the borrowed thread. Once it
    /// returns, whatever `start` began is finished or in the I/O thread's
    /// hands: the caller waits for its result as it would have anyway.
    public func lend<E: Error>(until done: () -> Bool, _ start: () throws(E) -> Void) throws(E) {
        let me = pthread_self()
        let borrowed = loop.withLock { state -> Bool in
            guard case .idle = state.driver, state.jobs.isEmpty, !state.exited, !isStopping else { return false }
            state.driver = .lent(me)
            state.lentStarting = true
            return true
        }
        guard borrowed else { return try start() }
        let signals = SignalGuard.blockingSIGPIPE()
        defer {
            handBack()
            signals.restore()
        }
        try start()
        loop.withLock { $0.lentStarting = false }
        while !isStopping {
            let own = loop.withLock { state -> [Job]? in
                guard state.jobs.isEmpty else { return nil }  // others wait for the loop
                let taken = state.lentJobs
                state.lentJobs.removeAll()
                return taken
            }
            guard let own else { return }
            for job in own { job() }
            perform()
            finishTransfers()
            runTimers(all: false)
            if done() { return }
            creactor_wait(reactor, multi, waitMillis())
        }
    }

    /// Ends a loan: the loop goes idle if nothing is left, else back to the
    /// I/O thread with the borrower's unfinished jobs first in line.
    private func handBack() {
        let idle = transfers.isEmpty && timers.isEmpty
        let toIOThread = loop.withLock { state -> Bool in
            state.jobs.insert(contentsOf: state.lentJobs, at: 0)
            state.lentJobs.removeAll()
            state.lentStarting = false
            state.driver = idle && state.jobs.isEmpty && !isStopping ? .idle : .ioThread
            return state.ioThreadDrives
        }
        // Only then: a broadcast to the sleeping I/O thread wakes it.
        if toIOThread { loop.broadcast() }
    }

    // MARK: - The loop's thread

    /// Runs `job` on the loop after `millis` milliseconds.
    func schedule(afterMillis millis: Int, _ job: @escaping () -> Void) {
        let deadline = Clock.monotonicMillis() &+ Int64(max(0, millis))
        timerSequence &+= 1
        let entry = (deadline: deadline, sequence: timerSequence, job: job)
        let index = timers.firstIndex { $0.deadline > deadline } ?? timers.endIndex
        timers.insert(entry, at: index)
    }

    /// Starts an HTTP request; `completion` runs once on the loop.
    func send(_ request: HTTPRequest, _ completion: @escaping (Result<HTTPResponse, StoreError>) -> Void) {
        if isStopping { return completion(.failure(.closed)) }
        guard let handle = idleHandles.popLast() ?? curl_easy_init() else {
            return completion(.failure(StoreError(.outOfMemory, "libcurl could not create a handle")))
        }
        let transfer = Transfer(completion: completion)
        // No "Expect: 100-continue" round trip for larger bodies (curl asks
        // above 1 MB, older versions above 1 KB; small ones skip the line).
        transfer.setHeaders(request.headers, extra: request.body.count > 1024 ? ["Expect:"] : [])
        let list = transfer.headerList

        var ok = true
        func set(_ code: CURLcode) { if code != CURLE_OK { ok = false } }
        // What is the same for every request is set once per handle: when
        // it is new, or reset because its CA bundle changed (CAINFO has no
        // portable way back to the default but a reset).
        let caBundle = request.caBundle ?? ""
        let previousCABundle = handleCABundles.updateValue(caBundle, forKey: handle)
        if previousCABundle != caBundle {
            if previousCABundle != nil { curl_easy_reset(handle) }
            set(ccurl_setopt_pointer(handle, CURLOPT_USERAGENT, userAgent))
            set(ccurl_setopt_function(handle, CURLOPT_WRITEFUNCTION, Transfer.onBody))
            set(ccurl_setopt_function(handle, CURLOPT_HEADERFUNCTION, Transfer.onHeader))
            set(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
            set(ccurl_setopt_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
            // curl's defaults, stated: TLS is always verified.
            set(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
            set(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
            if let ca = request.caBundle {
                set(ccurl_setopt_pointer(handle, CURLOPT_CAINFO, ca))
            }
        }

        // Everything that varies is set on every request.
        let me = Unmanaged.passUnretained(transfer).toOpaque()
        set(ccurl_setopt_pointer(handle, CURLOPT_URL, request.url))
        set(ccurl_setopt_long(handle, CURLOPT_FRESH_CONNECT, 0))  // set only for a resend
        set(ccurl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, nil))
        if request.method == "GET" {
            set(ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        } else {
            set(ccurl_setopt_long(handle, CURLOPT_POST, 1))
            set(ccurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            request.body.withUnsafeBytes { body in
                // COPYPOSTFIELDS copies, so the body need not outlive this call.
                set(ccurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, body.baseAddress ?? UnsafeRawPointer(bitPattern: 1)))
            }
            if request.method != "POST" {
                set(ccurl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, request.method))
            }
        }
        set(ccurl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list))
        set(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, me))
        set(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, me))
        set(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMillis))
        set(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMillis))
        guard ok, curl_multi_add_handle(multi, handle) == CURLM_OK else {
            handleCABundles[handle] = nil
            curl_easy_cleanup(handle)
            return completion(.failure(StoreError(.failure, "libcurl rejected the request options")))
        }
        transfers[handle] = transfer
        needsPerform = true
    }

    // MARK: - The loop

    private func startThread() throws(StoreError) {
        // The I/O thread blocks every signal: the host's handlers run on the
        // host's threads, and a SIGPIPE from a dead socket kills nobody.
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let engine = Unmanaged<IOEngine>.fromOpaque(context).takeRetainedValue()
            engine.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<IOEngine>.fromOpaque(context).release()
            throw StoreError(.failure, "could not start the I/O thread (error \(result))")
        }
        threadStarted = true
    }

    private func run() {
        while true {
            // Sleep while the loop is idle or lent; take it back when handed.
            loop.withLock(when: \.ioThreadDrives) { _ in }
            let stop = isStopping
            runJobs()
            if stop { failAllTransfers() }
            perform()
            finishTransfers()
            runTimers(all: stop)
            if stop && transfers.isEmpty && timers.isEmpty && markExitedIfIdle() {
                break
            }
            if !stop && !needsPerform && transfers.isEmpty && timers.isEmpty && becomeIdle() {
                continue
            }
            creactor_wait(reactor, multi, waitMillis())
        }
        for handle in idleHandles { curl_easy_cleanup(handle) }
        idleHandles.removeAll()
    }

    private func runJobs() {
        let pending = loop.withLock { state -> [Job] in
            let taken = state.jobs
            state.jobs.removeAll()
            return taken
        }
        for job in pending { job() }
    }

    /// With nothing in flight and no job waiting, the loop goes idle (the
    /// I/O thread sleeps until `post` or `lend` needs it).
    private func becomeIdle() -> Bool {
        loop.withLock { state -> Bool in
            // Stopping is read under the lock that shutdown takes after
            // setting it: either this sees it, or shutdown sees .idle.
            guard state.jobs.isEmpty, !isStopping else { return false }
            state.driver = .idle
            return true
        }
    }

    private func markExitedIfIdle() -> Bool {
        loop.withLock { state -> Bool in
            guard state.jobs.isEmpty else { return false }
            state.exited = true
            return true
        }
    }

    /// Runs libcurl's due timeouts, which include starting the transfers
    /// just added; ready sockets were acted on as the wait reported them.
    private func perform() {
        needsPerform = false
        creactor_run_timeouts(reactor, multi)
    }

    private func finishTransfers() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            complete(handle, code: code)
        }
    }

    private func complete(_ handle: UnsafeMutableRawPointer, code: CURLcode) {
        guard let transfer = transfers.removeValue(forKey: handle) else { return }
        if resendOnFreshConnection(handle, transfer, code: code) { return }
        var status = 0
        var responseCode = 0
        if ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode) == CURLE_OK {
            status = responseCode
        }
        curl_multi_remove_handle(multi, handle)
        if idleHandles.count < 64 {
            idleHandles.append(handle)
        } else {
            handleCABundles[handle] = nil
            curl_easy_cleanup(handle)
        }

        let result: Result<HTTPResponse, StoreError>
        if code == CURLE_OK {
            result = .success(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body))
        } else if transfer.bodyTooLarge {
            // Asking again would only read another 16 MiB of the same.
            result = .failure(StoreError(.protocolError, "response body larger than \(Transfer.maximumBodySize) bytes",
                                         permanent: true))
        } else {
            result = .failure(IOEngine.error(for: code))
        }
        transfer.completion(result)
    }

    /// A server closes kept-alive connections that stay idle, and a request
    /// can go out on one just as it does: it fails to send, or gets nothing
    /// back. When that happens on a reused connection before any byte of an
    /// answer, the server never took the request (as libcurl itself judges
    /// such failures), so it is sent again at once on a new connection:
    /// once, and without counting as a failed attempt or waiting out a
    /// retry backoff. Returns true when it did so.
    private func resendOnFreshConnection(_ handle: UnsafeMutableRawPointer, _ transfer: Transfer,
                                         code: CURLcode) -> Bool {
        guard !transfer.resent, !transfer.receivedAnything, !isStopping,
              code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING else { return false }
        var newConnections = 0
        guard ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &newConnections) == CURLE_OK,
              newConnections == 0 else { return false }
        curl_multi_remove_handle(multi, handle)
        transfer.resent = true
        // On failure the caller completes it with the original error (and
        // removing the handle again does nothing).
        guard ccurl_setopt_long(handle, CURLOPT_FRESH_CONNECT, 1) == CURLE_OK,
              curl_multi_add_handle(multi, handle) == CURLM_OK else { return false }
        transfers[handle] = transfer
        needsPerform = true
        return true
    }

    private func failAllTransfers() {
        for handle in Array(transfers.keys) {
            guard let transfer = transfers.removeValue(forKey: handle) else { continue }
            curl_multi_remove_handle(multi, handle)
            handleCABundles[handle] = nil
            curl_easy_cleanup(handle)
            transfer.completion(.failure(.closed))
        }
    }

    private func runTimers(all: Bool) {
        let now = Clock.monotonicMillis()
        while let first = timers.first, all || first.deadline <= now {
            timers.removeFirst()
            first.job()
        }
    }

    private func waitMillis() -> Int32 {
        if needsPerform || isStopping { return 0 }
        var wait: Int = 1000
        let now = Clock.monotonicMillis()
        let curlDeadline = reactor.pointee.curl_deadline_ms
        if curlDeadline >= 0 {
            wait = min(wait, Int(max(0, curlDeadline &- now)))
        }
        if let first = timers.first {
            wait = min(wait, Int(max(0, first.deadline &- now)))
        }
        return Int32(clamping: wait)
    }

    static func error(for code: CURLcode) -> StoreError {
        let text = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return StoreError(.timeout, "request timed out: \(text)")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_WEIRD_SERVER_REPLY:
            // Only http and https URLs are allowed (CURLOPT_PROTOCOLS_STR)
            // and endpoints are checked at open, so this is curl meeting an
            // answer that is not HTTP (its "HTTP/0.9 when not allowed").
            return StoreError(.protocolError, "the answer is not HTTP: \(text)")
        case CURLE_PARTIAL_FILE:
            // The connection ended before Content-Length bytes arrived.
            return StoreError(.protocolError, "response truncated: \(text)")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_PROXY,
             CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR:
            return StoreError(.network, "connection failed: \(text)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            // The same certificate and trust fail the same way next time.
            return StoreError(.network, "TLS verification failed: \(text)", permanent: true)
        case CURLE_OUT_OF_MEMORY:
            return StoreError(.outOfMemory, text)
        default:
            return StoreError(.network, "HTTP transfer failed: \(text)")
        }
    }
}
