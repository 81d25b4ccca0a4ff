/// Text that came from outside (a server's error message, an item's key)
/// made fit to leave the library in an error message or a log line. A
/// server's text can echo the request it got, be megabytes long, or hold
/// line ends that would split one log call into many lines (or forge
/// some); what leaves is:
///
/// - scrubbed: the value after an `Authorization:` header name (to the end
///   of its line), and after `X-Amz-Security-Token`, `Signature=` and
///   `Credential=` (to the next space, quote, comma, `&` or `;`), all as
///   `<redacted>`, in any letter case;
/// - escaped: control characters (C0, DEL, C1) and the Unicode line and
///   paragraph separators as `\n`, `\r`, `\t` or `\u{..}`, so the text is
///   one line;
/// - capped: at most `limit` bytes, and when cut, marked so with the
///   original size.
///
/// `Redaction.scrub` applies this to every message that carries server
/// text, so it is the one place for cdyn_last_error, log lines and the
/// bindings' errors alike.
enum ServerText {
    static let limit = 400

    static func sanitized(_ text: String, limit: Int = ServerText.limit) -> String {
        escapedAndCapped(scrubbed(text), limit: limit, originalSize: text.utf8.count)
    }

    /// How a secret ends after each marker: where its line ends, or where
    /// a token does.
    private enum ValueEnd { case lineEnd, tokenEnd }

    private static let markers: [(name: [UInt8], end: ValueEnd)] = [
        (Array("authorization:".utf8), .lineEnd),
        (Array("x-amz-security-token".utf8), .tokenEnd),
        (Array("signature=".utf8), .tokenEnd),
        (Array("credential=".utf8), .tokenEnd),
    ]

    /// `text` with the value after each marker replaced by `<redacted>`.
    static func scrubbed(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            var out: [UInt8] = []
            var copied = 0  // bytes[..<copied] are in `out` (or redacted)
            var i = 0
            scan: while i < bytes.count {
                // Every marker starts with one of these letters, in either case.
                let first = bytes[i] | 0x20
                guard first == 0x61 || first == 0x78 || first == 0x73 || first == 0x63 else {
                    i += 1
                    continue
                }
                for marker in markers where matches(marker.name, in: bytes, at: i) {
                    i += marker.name.count
                    // The header's own separator (": ", "=", "\":\"") stays.
                    while i < bytes.count, bytes[i] == 0x3A || bytes[i] == 0x3D || bytes[i] == 0x20 || bytes[i] == 0x22 {
                        i += 1
                    }
                    let start = i
                    while i < bytes.count, !ends(bytes[i], marker.end) { i += 1 }
                    if i > start {
                        out += bytes[copied..<start]
                        out += Redaction.placeholder.utf8
                        copied = i
                    }
                    continue scan
                }
                i += 1
            }
            guard copied > 0 else { return String(decoding: bytes, as: UTF8.self) }
            out += bytes[copied...]
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static func matches(_ name: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard bytes.count - index >= name.count else { return false }
        for (offset, expected) in name.enumerated() {
            let byte = bytes[index + offset]
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if lowered != expected { return false }
        }
        return true
    }

    private static func ends(_ byte: UInt8, _ end: ValueEnd) -> Bool {
        switch end {
        case .lineEnd: return byte == 0x0A || byte == 0x0D
        case .tokenEnd:
            return byte <= 0x20 || byte == 0x22 || byte == 0x27 || byte == 0x2C || byte == 0x26
                || byte == 0x3B || byte == 0x3C || byte == 0x5C
        }
    }

    /// One line of at most `limit` bytes (and the mark of a cut, which
    /// gives `originalSize`).
    static func escapedAndCapped(_ text: String, limit: Int, originalSize: Int) -> String {
        var out = ""
        var size = 0
        for scalar in text.unicodeScalars {
            let piece = escaped(scalar)
            let pieceSize = piece.map(\.utf8.count) ?? UTF8.width(scalar)
            guard size + pieceSize <= limit else {
                return out + "... (cut; \(originalSize) bytes in all)"
            }
            if let piece { out += piece } else { out.unicodeScalars.append(scalar) }
            size += pieceSize
        }
        return out
    }

    /// The escape for a scalar that must not appear raw in a line; nil
    /// for one that may.
    private static func escaped(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029:
            return "\\u{" + String(scalar.value, radix: 16) + "}"
        default: return nil
        }
    }
}
