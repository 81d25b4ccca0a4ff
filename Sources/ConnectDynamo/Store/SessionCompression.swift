import CZlib

/// The compressed form of a large session (opt-in): zlib's deflate of the
/// JSON text, stored as a binary attribute instead of `sess`.
enum SessionCompression {
    static let attribute = "sessz"
    /// Inflated sessions larger than this are refused: a small corrupt or
    /// hostile item must not make a web server allocate without bound.
    static let maximumInflatedBytes = 16 * 1024 * 1024

    /// zlib's deflate of `bytes`; nil if zlib fails (then the session is
    /// stored as it is).
    static func deflate(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var capacity = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let status = out.withUnsafeMutableBufferPointer { destination in
            compress2(destination.baseAddress, &capacity, bytes.baseAddress, uLong(bytes.count), Z_BEST_SPEED)
        }
        guard status == Z_OK else { return nil }
        out.removeSubrange(Int(capacity)...)
        return out
    }

    /// The text deflated in `bytes`; nil when it is not a zlib stream or
    /// inflates beyond `maximumInflatedBytes`.
    static func inflate(_ bytes: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = bytes
        return input.withUnsafeMutableBufferPointer { source -> [UInt8]? in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { destination -> (Int32, Int) in
                    stream.next_out = destination.baseAddress
                    stream.avail_out = uInt(destination.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (status, destination.count - Int(stream.avail_out))
                }
                out.append(contentsOf: chunk[..<produced])
                guard out.count <= maximumInflatedBytes else { return nil }
                if status == Z_STREAM_END { return stream.avail_in == 0 ? out : nil }
                guard status == Z_OK, produced > 0 || stream.avail_in > 0 else { return nil }
            }
        }
    }
}
