/// The library version; keep in step with CDYN_VERSION in the header.
public enum Version {
    public static let major = 0
    public static let minor = 1
    public static let patch = 0
    public static let string = "\(major).\(minor).\(patch)"
    public static let number = major * 10000 + minor * 100 + patch
}
