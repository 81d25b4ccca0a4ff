import Glibc

/// Replaces a file as a whole: the bytes go to a new file beside it, which
/// is then renamed over the old one, so a reader sees the old file or the
/// new one and never half of one.
enum AtomicFile {
    /// Writes `bytes` to `path` with `mode` (for a new file). Returns why
    /// not, on failure; the temporary file is removed then.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) -> String? {
        let temporary = "\(path).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        if fd < 0 { return "cannot create \(temporary): \(String(cString: strerror(errno)))" }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return Glibc.write(fd, base + written, buffer.count - written)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let why = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                return "cannot write \(temporary): \(why)"
            }
            written += n
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            return "cannot replace \(path): \(why)"
        }
        return nil
    }
}
