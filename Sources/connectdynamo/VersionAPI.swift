import CConnectDynamo
import ConnectDynamo

/// A static C string (Swift string literals are NUL-terminated).
func cString(_ literal: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)
}

@c @implementation
public func cdyn_version() -> UnsafePointer<CChar>? {
    cString("0.1.0")
}

@c @implementation
public func cdyn_version_number() -> Int32 {
    Int32(Version.number)
}
