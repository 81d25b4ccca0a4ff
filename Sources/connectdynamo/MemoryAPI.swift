import CConnectDynamo
import Glibc

@c @implementation
public func cdyn_buf_dispose(_ buf: UnsafeMutablePointer<cdyn_buf>?) {
    guard let buf else { return }
    free(buf.pointee.ptr)
    buf.pointee = cdyn_buf(ptr: nil, size: 0)
}

@c @implementation
public func cdyn_session_list_dispose(_ list: UnsafeMutablePointer<cdyn_session_list>?) {
    guard let list else { return }
    disposeList(&list.pointee)
}

@c @implementation
public func cdyn_result_free(_ result: UnsafeMutablePointer<cdyn_result>?) {
    guard let result else { return }
    if let message = result.pointee.message, message != UnsafePointer(ResultMemory.inlineText(result)) {
        free(UnsafeMutableRawPointer(mutating: message))
    }
    free(result.pointee.data.ptr)
    disposeList(&result.pointee.list)
    free(result)
}

@c @implementation
public func cdyn_info_dispose(_ info: UnsafeMutablePointer<cdyn_info>?) {
    guard let info else { return }
    free(info.pointee.table)
    free(info.pointee.hash_key)
    free(info.pointee.prefix)
    free(info.pointee.region)
    free(info.pointee.endpoint)
    info.pointee.table = nil
    info.pointee.hash_key = nil
    info.pointee.prefix = nil
    info.pointee.region = nil
    info.pointee.endpoint = nil
    // A caller of an older version has no fields past its own.
    if info.pointee.version >= 3 {
        free(info.pointee.user_field)
        free(info.pointee.user_index_name)
        free(info.pointee.encryption_key_id)
        info.pointee.user_field = nil
        info.pointee.user_index_name = nil
        info.pointee.encryption_key_id = nil
    }
}
