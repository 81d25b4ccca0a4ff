import CConnectDynamo
import ConnectDynamo

@c @implementation
public func cdyn_strerror(_ code: Int32) -> UnsafePointer<CChar>? {
    switch code {
    case CDYN_OK.rawValue: return cString("no error")
    case CDYN_ERROR.rawValue: return cString("unclassified failure")
    case CDYN_EINVAL.rawValue: return cString("invalid argument")
    case CDYN_ENOMEM.rawValue: return cString("out of memory")
    case CDYN_ENOTFOUND.rawValue: return cString("session not found")
    case CDYN_ECONDITION.rawValue: return cString("conditional write failed")
    case CDYN_ETOOLARGE.rawValue: return cString("item larger than DynamoDB's 400 KB limit")
    case CDYN_ETHROTTLED.rawValue: return cString("throttled by DynamoDB")
    case CDYN_EVALIDATION.rawValue: return cString("request rejected by DynamoDB validation")
    case CDYN_EAUTH.rawValue: return cString("credentials rejected (signature, key or access)")
    case CDYN_ECREDENTIALS.rawValue: return cString("no usable AWS credentials")
    case CDYN_ENOTABLE.rawValue: return cString("table does not exist or is not active")
    case CDYN_ENET.rawValue: return cString("network failure")
    case CDYN_ETIMEOUT.rawValue: return cString("timed out")
    case CDYN_ESERVER.rawValue: return cString("DynamoDB server error")
    case CDYN_EPROTOCOL.rawValue: return cString("malformed or corrupt response")
    case CDYN_ECLOSED.rawValue: return cString("store closed")
    case CDYN_EDEADLOCK.rawValue: return cString("blocking call from the store's I/O thread")
    default: return cString("unknown error code")
    }
}

@c @implementation
public func cdyn_error_name(_ code: Int32) -> UnsafePointer<CChar>? {
    switch code {
    case CDYN_OK.rawValue: return cString("CDYN_OK")
    case CDYN_ERROR.rawValue: return cString("CDYN_ERROR")
    case CDYN_EINVAL.rawValue: return cString("CDYN_EINVAL")
    case CDYN_ENOMEM.rawValue: return cString("CDYN_ENOMEM")
    case CDYN_ENOTFOUND.rawValue: return cString("CDYN_ENOTFOUND")
    case CDYN_ECONDITION.rawValue: return cString("CDYN_ECONDITION")
    case CDYN_ETOOLARGE.rawValue: return cString("CDYN_ETOOLARGE")
    case CDYN_ETHROTTLED.rawValue: return cString("CDYN_ETHROTTLED")
    case CDYN_EVALIDATION.rawValue: return cString("CDYN_EVALIDATION")
    case CDYN_EAUTH.rawValue: return cString("CDYN_EAUTH")
    case CDYN_ECREDENTIALS.rawValue: return cString("CDYN_ECREDENTIALS")
    case CDYN_ENOTABLE.rawValue: return cString("CDYN_ENOTABLE")
    case CDYN_ENET.rawValue: return cString("CDYN_ENET")
    case CDYN_ETIMEOUT.rawValue: return cString("CDYN_ETIMEOUT")
    case CDYN_ESERVER.rawValue: return cString("CDYN_ESERVER")
    case CDYN_EPROTOCOL.rawValue: return cString("CDYN_EPROTOCOL")
    case CDYN_ECLOSED.rawValue: return cString("CDYN_ECLOSED")
    case CDYN_EDEADLOCK.rawValue: return cString("CDYN_EDEADLOCK")
    default: return cString("CDYN_UNKNOWN")
    }
}

@c @implementation
public func cdyn_last_error() -> UnsafePointer<CChar>? {
    LastError.current ?? cString("")
}
