import Glibc

/// A failed system call, as text for a message ("cannot create a pipe:
/// Too many open files"). Callers wrap it in their own StoreError.
struct SystemError: Error {
    let message: String

    init(_ message: String) { self.message = message }

    /// `what` and the text of `code` (errno by default).
    init(_ what: String, code: Int32 = errno) {
        self.message = "\(what): \(String(cString: strerror(code)))"
    }
}
