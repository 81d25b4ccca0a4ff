import CConnectDynamo
import ConnectDynamo

// connect-dynamodb's table calls: DescribeTable and CreateTable, answered
// with DynamoDB's JSON.

@c @implementation
public func cdyn_describe_table(_ out: UnsafeMutablePointer<cdyn_buf>?, _ store: OpaquePointer?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_buf(ptr: nil, size: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<[UInt8]>) throws(StoreError) in
        try s.describeTable(done)
    }, onSuccess: { out.pointee = makeBuf($0) })
}

@c @implementation
public func cdyn_create_table(_ out: UnsafeMutablePointer<cdyn_buf>?, _ store: OpaquePointer?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    out.pointee = cdyn_buf(ptr: nil, size: 0)
    return blocking(store, { (s, done: @escaping SessionStore.Completion<[UInt8]>) throws(StoreError) in
        try s.createTable(done)
    }, onSuccess: { out.pointee = makeBuf($0) })
}

@c @implementation
public func cdyn_describe_table_async(_ store: OpaquePointer?, _ callback: cdyn_callback?,
                                      _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<[UInt8]>) throws(StoreError) in
        try s.describeTable(done)
    }, fill: { result, json in result.data = makeBuf(json) })
}

@c @implementation
public func cdyn_create_table_async(_ store: OpaquePointer?, _ callback: cdyn_callback?,
                                    _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    asynchronous(store, callback, userdata, { (s, done: @escaping SessionStore.Completion<[UInt8]>) throws(StoreError) in
        try s.createTable(done)
    }, fill: { result, json in result.data = makeBuf(json) })
}
