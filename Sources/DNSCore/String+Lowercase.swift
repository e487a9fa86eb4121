extension String {
    /// The text in lower case; the text itself, without a new string, when it has no upper-case ASCII letter
    /// and no non-ASCII byte: the usual case for domain names and report words, on paths that lower-case
    /// every one of them.
    public var lowercasedIfNeeded: String {
        utf8.contains { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 } ? lowercased() : self
    }
}
