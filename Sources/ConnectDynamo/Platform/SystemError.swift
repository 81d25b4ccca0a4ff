import Glibc

/// A failed system call, as text for a message ("cannot create a pipe:
/// Too many open files"). Callers wrap it in their own StoreError.
struct SystemError: Error {
    let message: String

    /// `what` and the text of error number `code`.
    init(_ what: String, code: Int32) {
        self.message = "\(what): \(String(cString: strerror(code)))"
    }

    /// `what` and the text of errno as the last system call left it.
    static func lastError(_ what: String) -> SystemError {
        SystemError(what, code: errno)
    }
}
