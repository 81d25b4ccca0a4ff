import CConnectDynamo
import ConnectDynamo

@c @implementation
public func cdyn_item_session(_ out: UnsafeMutablePointer<cdyn_buf>?, _ out_expires: UnsafeMutablePointer<Int64>?,
                              _ store: OpaquePointer?, _ item: UnsafePointer<CChar>?, _ size: Int) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_buf(ptr: nil, size: 0)
    guard let s = storeOf(store) else { return fail(.invalidArgument, "store is NULL") }
    guard let item else { return fail(.invalidArgument, "item is NULL") }
    return status { () throws(StoreError) in
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(item).assumingMemoryBound(to: UInt8.self), count: size)
        let session = try s.session(inItem: bytes)
        out.pointee = makeBuf(session.data)
        out_expires?.pointee = session.expires
    }
}
