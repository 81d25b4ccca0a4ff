import CConnectDynamo
import ConnectDynamo
import Glibc

/// A static C string (Swift string literals are NUL-terminated).
func cString(_ literal: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The header's CDYN_VERSION as a C string that lives as long as the
/// process: made once, never written, never freed.
nonisolated(unsafe) private let versionText: UnsafeMutablePointer<CChar>? = strdup(Version.string)

@c @implementation
public func cdyn_version() -> UnsafePointer<CChar>? {
    versionText.map { UnsafePointer($0) } ?? cString("unknown")
}

@c @implementation
public func cdyn_version_number() -> Int32 {
    Int32(Version.number)
}
