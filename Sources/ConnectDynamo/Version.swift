import CConnectDynamo

/// The library version, as include/connectdynamo.h defines it (the one
/// source of the version and the ABI number).
public enum Version {
    public static let major = Int(CDYN_VERSION_MAJOR)
    public static let minor = Int(CDYN_VERSION_MINOR)
    public static let patch = Int(CDYN_VERSION_PATCH)
    public static let string = CDYN_VERSION
    public static let number = major * 10000 + minor * 100 + patch
    /// The N of the SONAME libconnectdynamo.so.N.
    public static let abi = Int(CDYN_ABI_VERSION)
}
