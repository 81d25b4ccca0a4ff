import CCurl

/// One request in flight: its easy handle's header list and the response
/// as it arrives. Owned by the engine while curl works on it.
final class Transfer {
    /// Bodies above this are cut off (DynamoDB pages are at most 1 MB; a
    /// bigger answer is a broken or hostile server, not data).
    static let maximumBodySize = 16 << 20

    let completion: (Result<HTTPResponse, StoreError>) -> Void
    /// The request's header lines as libcurl reads them (CURLOPT_HTTPHEADER
    /// only reads the list, and only while the transfer runs): the nodes in
    /// one block and the "Name: value" texts in another, instead of two
    /// allocations per line from curl_slist_append.
    private(set) var headerList: UnsafeMutablePointer<curl_slist>?
    private var headerText: UnsafeMutablePointer<CChar>?
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var bodyTooLarge = false
    /// Whether any byte of an answer (a header line or body) arrived.
    var receivedAnything = false
    /// Whether it was already sent again on a fresh connection.
    var resent = false

    init(completion: @escaping (Result<HTTPResponse, StoreError>) -> Void) {
        self.completion = completion
    }

    deinit {
        headerList?.deallocate()
        headerText?.deallocate()
    }

    /// Sets `headerList` to "Name: value" for each header, then each of
    /// `extra` as it is. (Once per transfer.)
    func setHeaders(_ headers: [(String, String)], extra: [StaticString]) {
        let count = headers.count + extra.count
        guard count > 0, headerList == nil else { return }
        var size = 0
        for (name, value) in headers { size += name.utf8.count + 2 + value.utf8.count + 1 }
        for line in extra { size += line.utf8CodeUnitCount + 1 }
        let text = UnsafeMutablePointer<CChar>.allocate(capacity: size)
        let nodes = UnsafeMutablePointer<curl_slist>.allocate(capacity: count)
        var offset = 0
        var index = 0
        func put(_ bytes: UnsafeBufferPointer<UInt8>) {
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return }
                (text + offset).update(from: base, count: chars.count)
            }
            offset += bytes.count
        }
        func endLine(startingAt start: Int) {
            text[offset] = 0
            offset += 1
            nodes[index] = curl_slist(data: text + start, next: index + 1 < count ? nodes + index + 1 : nil)
            index += 1
        }
        for (name, value) in headers {
            let start = offset
            var name = name, value = value  // withUTF8 is mutating; native strings are not copied
            name.withUTF8 { put($0) }
            text[offset] = CChar(UInt8(ascii: ":"))
            text[offset + 1] = CChar(UInt8(ascii: " "))
            offset += 2
            value.withUTF8 { put($0) }
            endLine(startingAt: start)
        }
        for line in extra {
            let start = offset
            put(UnsafeBufferPointer(start: line.utf8Start, count: line.utf8CodeUnitCount))
            endLine(startingAt: start)
        }
        headerText = text
        headerList = nodes
    }

    /// curl's write callback: appends body bytes.
    static let onBody: ccurl_data_fn = { data, size, count, userdata in
        guard let userdata, let data else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        transfer.receivedAnything = true
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
    /// Parsed as bytes: this runs for every line of every response.
    static let onHeader: ccurl_data_fn = { data, size, count, userdata in
        guard let userdata, let data else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
        transfer.receivedAnything = true
        let (length, overflow) = size.multipliedReportingOverflow(by: count)
        guard !overflow else { return 0 }
        data.withMemoryRebound(to: UInt8.self, capacity: length) { start in
            transfer.addHeaderLine(UnsafeBufferPointer(start: start, count: length))
        }
        return length
    }

    func addHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        guard line.count >= 5 else { return }
        if line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"),
           line[3] == UInt8(ascii: "P"), line[4] == UInt8(ascii: "/") {
            headers.removeAll()
            return
        }
        // Only AWS's own headers (x-amz-crc32, x-amzn-requestid) are used;
        // the rest are not worth two strings and a hash per line.
        guard line[0] | 0x20 == UInt8(ascii: "x"), line[1] == UInt8(ascii: "-"),
              line[2] | 0x20 == UInt8(ascii: "a"), line[3] | 0x20 == UInt8(ascii: "m"),
              line[4] | 0x20 == UInt8(ascii: "z"),
              let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, isSpace(line[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, isSpace(line[valueEnd - 1]) { valueEnd -= 1 }
        let name = String(unsafeUninitializedCapacity: colon) { out in
            for i in 0..<colon {
                let b = line[i]
                out[i] = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
            }
            return colon
        }
        headers[name] = String(decoding: UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self)
    }
}
