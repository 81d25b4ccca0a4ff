import Glibc

/// Reads small local files (credentials, config, tokens) whole.
enum FileReader {
    /// Files larger than this are refused rather than read into memory.
    static let maximumSize = 1 << 20

    enum Failure: Error {
        case missing
        case unreadable(String)
    }

    static func contents(of path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw .missing }
            throw .unreadable("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > maximumSize { throw .unreadable("\(path) is larger than \(maximumSize) bytes") }
        }
    }

    static func string(at path: String) throws(Failure) -> String {
        String(decoding: try contents(of: path), as: UTF8.self)
    }
}
