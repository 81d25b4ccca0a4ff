import CCurl

/// One request in flight: its easy handle's header list and the response
/// as it arrives. Owned by the engine while curl works on it.
final class Transfer {
    /// Bodies above this are cut off (DynamoDB pages are at most 1 MB; a
    /// bigger answer is a broken or hostile server, not data).
    static let maximumBodySize = 16 << 20

    let completion: (Result<HTTPResponse, StoreError>) -> Void
    var headerList: UnsafeMutablePointer<curl_slist>?
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var bodyTooLarge = false

    init(completion: @escaping (Result<HTTPResponse, StoreError>) -> Void) {
        self.completion = completion
    }

    deinit {
        curl_slist_free_all(headerList)
    }

    /// curl's write callback: appends body bytes.
    static let onBody: ccurl_data_fn = { data, size, count, userdata in
        guard let userdata, let data else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        let (length, overflow) = size.multipliedReportingOverflow(by: count)
        guard !overflow, transfer.body.count + length <= Transfer.maximumBodySize else {
            transfer.bodyTooLarge = true
            return 0  // makes curl fail the transfer with CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: length) {
            transfer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
        }
        return length
    }

    /// curl's header callback: one header line at a time. A status line
    /// starts a new response (after a 100 Continue), so headers reset.
    static let onHeader: ccurl_data_fn = { data, size, count, userdata in
        guard let userdata, let data else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        let (length, overflow) = size.multipliedReportingOverflow(by: count)
        guard !overflow else { return 0 }
        let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            transfer.headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            transfer.headers[name] = value
        }
        return length
    }
}
