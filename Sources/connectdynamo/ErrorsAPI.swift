import CConnectDynamo
import ConnectDynamo

/// Name and text of every code, indexed by -code: one table, so the two
/// lookups below cannot drift apart.
private let codeTable: [(name: StaticString, text: StaticString)] = [
    ("CDYN_OK", "no error"),
    ("CDYN_ERROR", "unclassified failure"),
    ("CDYN_EINVAL", "invalid argument"),
    ("CDYN_ENOMEM", "out of memory"),
    ("CDYN_ENOTFOUND", "session not found"),
    ("CDYN_ECONDITION", "conditional write failed"),
    ("CDYN_ETOOLARGE", "item larger than DynamoDB's 400 KB limit"),
    ("CDYN_ETHROTTLED", "throttled by DynamoDB"),
    ("CDYN_EVALIDATION", "request rejected by DynamoDB validation"),
    ("CDYN_EAUTH", "credentials rejected (signature, key or access)"),
    ("CDYN_ECREDENTIALS", "no usable AWS credentials"),
    ("CDYN_ENOTABLE", "table does not exist or is not active"),
    ("CDYN_ENET", "network failure"),
    ("CDYN_ETIMEOUT", "timed out"),
    ("CDYN_ESERVER", "DynamoDB server error"),
    ("CDYN_EPROTOCOL", "malformed or corrupt response"),
    ("CDYN_ECLOSED", "store closed"),
    ("CDYN_EDEADLOCK", "blocking call from the store's I/O thread"),
]

private func codeEntry(_ code: Int32) -> (name: StaticString, text: StaticString)? {
    guard code <= 0, code > Int32.min, Int(-code) < codeTable.count else { return nil }
    return codeTable[Int(-code)]
}

@c @implementation
public func cdyn_strerror(_ code: Int32) -> UnsafePointer<CChar>? {
    cString(codeEntry(code)?.text ?? "unknown error code")
}

@c @implementation
public func cdyn_error_name(_ code: Int32) -> UnsafePointer<CChar>? {
    cString(codeEntry(code)?.name ?? "CDYN_UNKNOWN")
}

@c @implementation
public func cdyn_last_error() -> UnsafePointer<CChar>? {
    LastError.current ?? cString("")
}
