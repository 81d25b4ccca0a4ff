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
