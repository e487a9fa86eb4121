/// A `Received-SPF` header (RFC 7208 section 9.1).
public struct ReceivedSPF: Hashable, Sendable {
    public var result: String
    public var comment: String?
    /// `key=value` pairs after the comment: `client-ip`, `envelope-from`, `helo`, `receiver`, `identity`.
    public var fields: [String: String]

    public init(_ value: String) {
        let trimmed = value.trimming([" ", "\t"])
        let word = trimmed.prefix { $0.isLetter }
        result = word.lowercased()
        var rest = trimmed.dropFirst(word.count)
        var comment: String?
        if String(rest).trimming([" ", "\t"]).hasPrefix("(") {
            let (_, comments) = AuthenticationResults.stripComments(String(rest))
            comment = comments.first
            if let close = Self.endOfFirstComment(rest) { rest = rest[close...] }
        }
        self.comment = comment
        var fields: [String: String] = [:]
        for piece in AuthenticationResults.segments(String(rest)) {
            for token in piece.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let kv = token.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { fields[kv[0].lowercased()] = kv[1].trimming(["\"", ";"]) }
            }
        }
        self.fields = fields
    }

    /// Who wrote it: the `receiver=` key (RFC 7208 section 9.1), else the host that opens the comment, as
    /// receivers write it (`(google.com: domain of ...)`).
    public var receiver: String? {
        if let receiver = fields["receiver"], !receiver.isEmpty { return receiver.lowercased() }
        guard let comment, let colon = comment.firstIndex(of: ":") else { return nil }
        let host = comment[..<colon]
        guard !host.isEmpty, host.contains("."), !host.contains(" ") else { return nil }
        return host.lowercased()
    }

    static func endOfFirstComment(_ text: Substring) -> Substring.Index? {
        var depth = 0
        for index in text.indices {
            if text[index] == "(" { depth += 1 }
            if text[index] == ")" { depth -= 1; if depth == 0 { return text.index(after: index) } }
        }
        return nil
    }
}
