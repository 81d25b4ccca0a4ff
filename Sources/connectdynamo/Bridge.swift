import CConnectDynamo
import ConnectDynamo
import Glibc

// Conversions between the C ABI's types and the Swift core's, so that the
// thunks stay one line of logic each. Nothing here traps on input.

/// Records `error` as this thread's last error and returns its C code.
func fail(_ error: StoreError) -> Int32 {
    LastError.set(error.message)
    return error.code.rawValue
}

func fail(_ code: StoreError.Code, _ message: String) -> Int32 {
    fail(StoreError(code, message))
}

/// Runs a throwing Swift call and returns a C status.
func status(_ body: () throws(StoreError) -> Void) -> Int32 {
    do {
        try body()
        return CDYN_OK.rawValue
    } catch {
        return fail(error)
    }
}

/// A malloc'd, NUL-terminated copy of bytes (the caller's to free).
func mallocCopy<C: Collection>(_ bytes: C) -> UnsafeMutablePointer<CChar>? where C.Element == UInt8 {
    let count = bytes.count
    guard let memory = malloc(count + 1) else { return nil }
    let out = memory.bindMemory(to: UInt8.self, capacity: count + 1)
    // Session data is an array: one memcpy, not a loop per byte.
    let copied = bytes.withContiguousStorageIfAvailable { (source) -> Bool in
        if let base = source.baseAddress { memcpy(out, base, count) }
        return true
    }
    if copied == nil {
        _ = UnsafeMutableBufferPointer(start: out, count: count).initialize(from: bytes)
    }
    out[count] = 0
    return UnsafeMutableRawPointer(out).assumingMemoryBound(to: CChar.self)
}

func makeBuf(_ bytes: [UInt8]) -> cdyn_buf {
    cdyn_buf(ptr: mallocCopy(bytes), size: bytes.count)
}

/// Sessions as a malloc'd cdyn_session array.
func makeList(_ sessions: [StoredSession], withData: Bool) -> cdyn_session_list {
    guard !sessions.isEmpty,
          let memory = calloc(sessions.count, MemoryLayout<cdyn_session>.stride) else {
        return cdyn_session_list(sessions: nil, count: 0)
    }
    let array = memory.bindMemory(to: cdyn_session.self, capacity: sessions.count)
    for (i, session) in sessions.enumerated() {
        let id = Array(session.id.utf8)
        array[i] = cdyn_session(
            id: mallocCopy(id), id_len: id.count,
            data: withData ? mallocCopy(session.data) : nil, data_len: withData ? session.data.count : 0,
            expires: session.expires)
    }
    return cdyn_session_list(sessions: array, count: sessions.count)
}

func disposeList(_ list: inout cdyn_session_list) {
    if let sessions = list.sessions {
        for i in 0..<list.count {
            free(sessions[i].id)
            free(sessions[i].data)
        }
        free(sessions)
    }
    list = cdyn_session_list(sessions: nil, count: 0)
}

/// The store behind a handle; the handle holds one retain.
func storeOf(_ handle: OpaquePointer?) -> SessionStore? {
    guard let handle else { return nil }
    return Unmanaged<SessionStore>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// A C pointer made Sendable, for callbacks that run on the I/O thread.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
}
