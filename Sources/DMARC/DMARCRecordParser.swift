import DNSCore
/// Reading a record's text: the `tag=value` grammar of RFC 9989 section 4.8 (RFC 7489 section 6.4), then
/// each known tag's value. Warnings are added afterwards by `DMARCRecord.lint()`.
extension DMARCRecord {
    /// Whether `text` is a DMARC record at all: `v` *WSP `=` *WSP `DMARC1`, then the end, WSP or `;`.
    /// The version value is case-sensitive and nothing may precede `v` (RFC 9989 section 4.8), so
    /// receivers discard `v=dmarc1`, `v=DMARC1x` and ` v=DMARC1` as unrelated TXT records.
    public static func isDMARCRecord(_ text: String) -> Bool {
        versionEnd(in: Substring(text)) != nil
    }

    /// The index after `DMARC1` when `text` begins with a version term.
    static func versionEnd(in text: Substring) -> Substring.Index? {
        guard let first = text.first, first == "v" || first == "V" else { return nil }
        let afterName = text.dropFirst().drop(while: isWSP)
        guard afterName.first == "=" else { return nil }
        let value = afterName.dropFirst().drop(while: isWSP)
        guard value.hasPrefix("DMARC1") else { return nil }
        let rest = value.dropFirst(6)
        guard let next = rest.first else { return rest.startIndex }
        return isWSP(next) || next == ";" ? rest.startIndex : nil
    }

    static func isWSP(_ c: Character) -> Bool { c == " " || c == "\t" }

    /// Parses a record as published (TXT character-strings already joined).
    public init(parsing text: String) throws(DMARCParseError) {
        let terms = try Self.terms(of: text)
        var record = DMARCRecord()
        record.text = text
        record.tags = terms
        var builder = TagReader()
        for term in terms { try builder.read(term, into: &record) }
        if !builder.seen.contains("p") {
            guard !record.aggregateURIs.isEmpty else {
                throw DMARCParseError(
                    code: "missing-policy",
                    message: "no p tag and no usable rua tag: add p=none, p=quarantine or p=reject "
                        + "(RFC 9989 section 4.7 reads a record without p as p=none only when rua holds a valid URI; RFC 7489 requires p)",
                    tag: "p")
            }
            record.policy = .none
            record.hasExplicitPolicy = false
        }
        record.warnings = builder.warnings + record.lint()
        self = record
    }

    /// Splits the text into terms after checking the version term. Empty terms (a trailing `;`, or `;;`)
    /// are dropped; a term without `=` is a syntax error, since the grammar has no bare words.
    static func terms(of text: String) throws(DMARCParseError) -> [DMARCTag] {
        let whole = Substring(text)
        guard let end = versionEnd(in: whole) else { throw notDMARC(text) }
        var terms = [DMARCTag(name: "v", value: "DMARC1")]
        var rest = whole[end...].drop(while: isWSP)
        if !rest.isEmpty {
            guard rest.first == ";" else { throw notDMARC(text) }
            rest = rest.dropFirst()
        }
        for (index, raw) in rest.split(separator: ";", omittingEmptySubsequences: false).enumerated() {
            let term = raw.trimmingWhitespace()
            if term.isEmpty { continue }
            guard let equals = term.firstIndex(of: "=") else {
                throw DMARCParseError(
                    code: "syntax",
                    message: "term \(index + 2) \"\(term)\" has no \"=\": expected tag=value, e.g. p=reject",
                    tag: String(term))
            }
            let name = term[..<equals].trimmingWhitespace()
            guard let first = name.utf8.first, first | 0x20 >= 0x61, first | 0x20 <= 0x7A,
                  name.utf8.allSatisfy({ ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
                throw DMARCParseError(
                    code: "syntax",
                    message: "term \(index + 2) \"\(term)\" has no valid tag name before \"=\": expected a name such as p, rua or adkim")
            }
            let value = term[term.index(after: equals)...].trimmingWhitespace()
            terms.append(DMARCTag(name: String(name).lowercasedIfNeeded, value: String(value)))
        }
        return terms
    }

    private static func notDMARC(_ text: String) -> DMARCParseError {
        let trimmed = text.trimmingWhitespace()
        let why: String
        if trimmed.lowercased().hasPrefix("v=spf1") {
            why = "this is an SPF record (v=spf1), published where a DMARC record belongs; SPF goes at the domain itself"
        } else if trimmed.count != text.count, isDMARCRecord(String(trimmed)) {
            why = "the record starts with whitespace: nothing may precede v=DMARC1, so receivers ignore it"
        } else if trimmed.lowercased().hasPrefix("v=dmarc1"), !isDMARCRecord(String(trimmed)) {
            why = "the version must be exactly \"DMARC1\" (upper case) followed by \";\": found \"\(trimmed.prefix(12))\""
        } else {
            why = "a DMARC record must start with v=DMARC1; found \"\(trimmed.prefix(24))\""
        }
        return DMARCParseError(code: "not-dmarc", message: why, tag: "v")
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> SubSequence {
        // Visible ASCII at both ends: nothing to trim, and no Character needs to be looked at.
        if let first = utf8.first, first > 0x20, first < 0x7F, let last = last?.asciiValue, last > 0x20, last < 0x7F {
            return self[...]
        }
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
