extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line ends.
    func trimmingWhitespace() -> String {
        func isSpace(_ c: Character) -> Bool {
            c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\r\n"
        }
        var s = Substring(self)
        while let f = s.first, isSpace(f) { s = s.dropFirst() }
        while let l = s.last, isSpace(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Optional where Wrapped == String {
    /// The string unless it is nil or empty: settings left blank count as unset.
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}

extension Array where Element == UInt8 {
    /// Appends the string's UTF-8 in one copy (no per-byte append).
    mutating func appendUTF8(_ text: String) {
        var text = text  // withUTF8 is mutating; a native string is not copied
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends `count` bytes written by `fill` (which must write them all)
    /// into a stack buffer, in one copy: no capacity check per byte.
    mutating func appendFilled(count: Int, _ fill: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            fill(buffer)
            append(contentsOf: UnsafeBufferPointer(buffer))
        }
    }
}
