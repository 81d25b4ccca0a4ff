import CConnectDynamo
import ConnectDynamo

/// An optional C string argument: NULL or empty is not set.
private func optionalText(_ text: UnsafePointer<CChar>?) -> String? {
    guard let text, text.pointee != 0 else { return nil }
    return String(cString: text)
}

@c @implementation
public func cdyn_express_cookie(_ out: UnsafeMutablePointer<cdyn_buf>?, _ max_age_seconds: Double,
                                _ path: UnsafePointer<CChar>?, _ http_only: Int32, _ secure: Int32,
                                _ same_site: UnsafePointer<CChar>?, _ domain: UnsafePointer<CChar>?) -> Int32 {
    guard let out else { return fail(.invalidArgument, "out is NULL") }
    let cookie = ExpressCookie.sentNow(maxAgeSeconds: max_age_seconds,
                                       path: optionalText(path) ?? "/", httpOnly: http_only != 0, secure: secure != 0,
                                       sameSite: optionalText(same_site), domain: optionalText(domain))
    out.pointee = makeBuf(cookie.json.encoded())
    return CDYN_OK.rawValue
}
