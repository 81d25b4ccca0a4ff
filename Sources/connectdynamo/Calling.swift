import CConnectDynamo
import ConnectDynamo
import Glibc

// The two shapes every session call takes at the C boundary: blocking
// (the core waits for the asynchronous call) and asynchronous (start it,
// hand its result to a C callback as a cdyn_result the callee owns).

/// The session id argument, checked.
func sessionID(_ sid: UnsafePointer<CChar>?) throws(StoreError) -> String {
    guard let sid else { throw StoreError(.invalidArgument, "session id is NULL") }
    guard let id = String(validatingCString: sid) else {
        throw StoreError(.invalidArgument, "session id is not valid UTF-8")
    }
    return id
}

/// A blocking C call: its asynchronous twin, waited for by the core
/// (`SessionStore.waitFor`: the deadlock check, the loan, the wait).
func blocking<T: Sendable>(
    _ handle: OpaquePointer?,
    _ start: (SessionStore, @escaping SessionStore.Completion<T>) throws(StoreError) -> Void,
    onSuccess: (T) -> Void = { _ in }
) -> Int32 {
    guard let store = storeOf(handle) else { return fail(.invalidArgument, "store is NULL") }
    switch store.waitFor({ (done) throws(StoreError) in try start(store, done) }) {
    case .success(let value):
        onSuccess(value)
        return CDYN_OK.rawValue
    case .failure(let error):
        return fail(error)
    }
}

func asynchronous<T: Sendable>(
    _ handle: OpaquePointer?,
    _ callback: cdyn_callback?,
    _ userdata: UnsafeMutableRawPointer?,
    _ start: (SessionStore, @escaping SessionStore.Completion<T>) throws(StoreError) -> Void,
    fill: @escaping @Sendable (inout cdyn_result, T) -> Void = { _, _ in }
) -> Int32 {
    guard let store = storeOf(handle) else { return fail(.invalidArgument, "store is NULL") }
    guard let callback else { return fail(.invalidArgument, "callback is NULL") }
    // Taken now, so the callback can never be handed NULL: without memory
    // the call fails here, where the caller still has its answer.
    guard let result = ResultMemory.allocate() else {
        return fail(.outOfMemory, "no memory for the call's result")
    }
    let target = UnsafeSendable(value: (callback, userdata, result))
    let code = status { () throws(StoreError) in
        try start(store) { outcome in
            let (callback, userdata, result) = target.value
            fillResult(result, outcome, fill: fill)
            callback(result, userdata)
        }
    }
    if code != CDYN_OK.rawValue { free(result) }
    return code
}

/// A cdyn_result is one calloc'd block: the struct, then room for a short
/// message. Its message points there ("" on success, or a note when the
/// detail could not be copied), so a result always has its text; a longer
/// message is a strdup of its own, which cdyn_result_free tells apart by
/// its address.
enum ResultMemory {
    static let inlineBytes = 64
    static let noMemoryText: StaticString = "out of memory (the detail was lost)"

    static func allocate() -> UnsafeMutablePointer<cdyn_result>? {
        calloc(1, MemoryLayout<cdyn_result>.stride + inlineBytes)?.bindMemory(to: cdyn_result.self, capacity: 1)
    }

    /// The zeroed room after the struct, as a C string.
    static func inlineText(_ result: UnsafeMutablePointer<cdyn_result>) -> UnsafeMutablePointer<CChar> {
        (UnsafeMutableRawPointer(result) + MemoryLayout<cdyn_result>.stride)
            .bindMemory(to: CChar.self, capacity: inlineBytes)
    }

    /// The inline room holding the out-of-memory note.
    static func noMemory(_ result: UnsafeMutablePointer<cdyn_result>) -> UnsafePointer<CChar> {
        let text = inlineText(result)
        memcpy(text, noMemoryText.utf8Start, min(noMemoryText.utf8CodeUnitCount, inlineBytes - 1))
        return UnsafePointer(text)
    }
}

/// Fills a zeroed cdyn_result for the callback to own.
func fillResult<T>(_ pointer: UnsafeMutablePointer<cdyn_result>, _ result: Result<T, StoreError>,
                   fill: (inout cdyn_result, T) -> Void) {
    switch result {
    case .success(let value):
        pointer.pointee.status = CDYN_OK.rawValue
        pointer.pointee.message = UnsafePointer(ResultMemory.inlineText(pointer))
        fill(&pointer.pointee, value)
        if pointer.pointee.data.size > 0 && pointer.pointee.data.ptr == nil {
            pointer.pointee.status = CDYN_ENOMEM.rawValue
            pointer.pointee.message = ResultMemory.noMemory(pointer)
            pointer.pointee.data.size = 0
        }
    case .failure(let error):
        pointer.pointee.status = error.code.rawValue
        pointer.pointee.message = strdup(error.message).map { UnsafePointer($0) } ?? ResultMemory.noMemory(pointer)
    }
}
