/// A parsed SPF record (RFC 7208 section 4.6): the version, then directives and modifiers in order.
///
/// Parse with `SPFRecord(parsing:)`; `description` writes the canonical text back, and parsing that text
/// gives an equal record.
public struct SPFRecord: Sendable, Hashable, CustomStringConvertible {
    public var terms: [SPFTerm]

    public init(terms: [SPFTerm]) { self.terms = terms }

    /// The `redirect=` modifier term (section 6.1); the parser rejects a second one.
    public var redirect: (spec: MacroString, term: SPFTerm)? {
        for term in terms { if case .modifier(.redirect(let spec)) = term.kind { return (spec, term) } }
        return nil
    }

    /// The `exp=` modifier (section 6.2); the parser rejects a second one.
    public var explanation: MacroString? {
        for term in terms { if case .modifier(.explanation(let spec)) = term.kind { return spec } }
        return nil
    }

    /// The `all` directive, if any. Its presence makes `redirect=` unreachable (section 6.1).
    public var all: (qualifier: SPFQualifier, term: SPFTerm)? {
        for term in terms { if case .directive(let q, .all) = term.kind { return (q, term) } }
        return nil
    }

    /// Terms that cost one of the ten DNS lookups when evaluated (section 4.6.4).
    public var lookupTermCount: Int {
        terms.reduce(0) { count, term in
            switch term.kind {
            case .directive(_, let m): count + (m.queriesDNS ? 1 : 0)
            case .modifier(.redirect): count + (all == nil ? 1 : 0)
            case .modifier: count
            }
        }
    }

    public var description: String {
        (["v=spf1"] + terms.map(\.description)).joined(separator: " ")
    }
}

/// A record that does not follow the grammar of RFC 7208 section 12. `check_host` turns it into
/// `permerror` (section 4.6).
public struct SPFSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending term as written.
    public var term: String
    /// Offset of the term in the record, in Unicode scalars (0 is the `v` of `v=spf1`).
    public var offset: Int
    /// What was wrong and what was expected.
    public var message: String

    public init(term: String, offset: Int, message: String) {
        self.term = term; self.offset = offset; self.message = message
    }

    public var description: String {
        "syntax error in term \"\(term)\" at offset \(offset): \(message)"
    }
}
