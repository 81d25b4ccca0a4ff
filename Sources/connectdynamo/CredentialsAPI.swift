import CConnectDynamo
import ConnectDynamo
import Glibc

// The host's answers to a cdyn_credentials_fn question. The request handle
// holds one retain (taken in OptionsAPI's storeOptions); each answer gives
// it up, so a request is answered once.

@c @implementation
public func cdyn_credentials_provide(_ request: OpaquePointer?, _ access_key_id: UnsafePointer<CChar>?,
                                     _ secret_access_key: UnsafePointer<CChar>?,
                                     _ session_token: UnsafePointer<CChar>?, _ expiration: Int64) -> Int32 {
    guard let request = takeRequest(request) else { return fail(.invalidArgument, "credential request is NULL") }
    func text(_ p: UnsafePointer<CChar>?) -> String? { p.flatMap { String(validatingCString: $0) } }
    guard let keyId = text(access_key_id), !keyId.isEmpty,
          let secret = text(secret_access_key), !secret.isEmpty,
          session_token == nil || text(session_token) != nil, expiration >= 0 else {
        let why = "answered without a key id and secret of valid UTF-8, or with a negative expiration"
        request.fail(why)
        return fail(.invalidArgument, "cdyn_credentials_provide \(why)")
    }
    let credentials = Credentials(accessKeyId: keyId, secretAccessKey: secret,
                                  sessionToken: text(session_token).flatMap { $0.isEmpty ? nil : $0 },
                                  expiration: expiration == 0 ? nil : Double(expiration))
    return request.provide(credentials) ? CDYN_OK.rawValue : fail(.closed, "the store was closed; the answer was dropped")
}

@c @implementation
public func cdyn_credentials_fail(_ request: OpaquePointer?, _ message: UnsafePointer<CChar>?) -> Int32 {
    guard let request = takeRequest(request) else { return fail(.invalidArgument, "credential request is NULL") }
    let text = message.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) }
    return request.fail(text ?? "no reason given") ? CDYN_OK.rawValue : fail(.closed, "the store was closed; the answer was dropped")
}

private func takeRequest(_ handle: OpaquePointer?) -> HostCredentialRequest? {
    guard let handle else { return nil }
    return Unmanaged<HostCredentialRequest>.fromOpaque(UnsafeRawPointer(handle)).takeRetainedValue()
}
