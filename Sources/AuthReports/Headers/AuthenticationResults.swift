/// One `Authentication-Results` header (RFC 8601): who evaluated, and each method's verdict.
public struct AuthenticationResults: Hashable, Sendable {
    /// One `method=result` clause with its properties, e.g. `spf=softfail smtp.mailfrom=example.com`.
    public struct Clause: Hashable, Sendable {
        public var method: String
        /// Lower-cased result word: `pass`, `fail`, `softfail`, ...
        public var result: String
        /// `ptype.property` (lower-cased) to value, e.g. `smtp.mailfrom`, `header.d`, `header.from`.
        public var properties: [String: String]
        /// The parenthesised comments of the clause, in order (receivers explain their verdict there).
        public var comments: [String]
    }

    /// The receiver's name; nil when the header starts directly with a clause (Microsoft 365 does).
    public var authservID: String?
    public var clauses: [Clause]

    public func first(_ method: String) -> Clause? { clauses.first { $0.method == method } }

    /// Parses the header's value; comments may nest and may touch the result (`dmarc=pass(p=REJECT)`).
    public init(_ value: String) {
        var clauses: [Clause] = []
        var authserv: String?
        for (index, segment) in Self.segments(value).enumerated() {
            let (text, comments) = Self.stripComments(segment)
            let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).map(String.init)
            guard let head = tokens.first else { continue }
            if index == 0, !head.contains("=") {
                authserv = head
                // `authserv-id; none` and `authserv-id version` carry no clause.
                continue
            }
            let pair = head.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            var properties: [String: String] = [:]
            for token in tokens.dropFirst() {
                let kv = token.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { continue }
                properties[kv[0].lowercased()] = kv[1].trimming(["\"", ";"])
            }
            clauses.append(Clause(method: pair[0].lowercased(), result: pair[1].lowercased(), properties: properties, comments: comments))
        }
        self.authservID = authserv
        self.clauses = clauses
    }

    /// Splits on `;` outside comments and quotes.
    static func segments(_ value: String) -> [String] {
        var out: [String] = [], current = "", depth = 0, quoted = false
        for c in value {
            if c == "\"" { quoted.toggle() }
            if !quoted { if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) } }
            if c == ";" && depth == 0 && !quoted { out.append(current); current = ""; continue }
            current.append(c)
        }
        out.append(current)
        return out
    }

    /// The text with `(comments)` replaced by a space, and the comments' texts.
    static func stripComments(_ text: String) -> (String, [String]) {
        var out = "", comment = "", comments: [String] = [], depth = 0
        for c in text {
            if c == "(" {
                if depth > 0 { comment.append(c) }
                depth += 1
                if depth == 1 { out.append(" ") }
                continue
            }
            if c == ")", depth > 0 {
                depth -= 1
                if depth == 0 { comments.append(comment.trimming([" ", "\t"])); comment = "" } else { comment.append(c) }
                continue
            }
            if depth > 0 { comment.append(c) } else { out.append(c) }
        }
        return (out, comments)
    }
}

extension StringProtocol {
    /// Drops the given characters from both ends.
    func trimming(_ set: Set<Character>) -> String {
        var s = self[...]
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
