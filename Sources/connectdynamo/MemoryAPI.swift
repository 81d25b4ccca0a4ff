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
    free(UnsafeMutableRawPointer(mutating: result.pointee.message))
    free(result.pointee.data.ptr)
    disposeList(&result.pointee.list)
    free(result)
}
