import DNSCore

extension SPFRecord {
    /// Parses a whole record per RFC 7208 section 12. The version `v=spf1` is matched case-insensitively;
    /// terms are separated by one or more spaces (never other white space, section 4.6.1).
    public init(parsing text: String) throws(SPFSyntaxError) {
        var scanner = TermScanner(text)
        guard let (version, _) = scanner.next(), version.lowercased() == "v=spf1" else {
            let found = text.prefix(while: { $0 != " " })
            throw SPFSyntaxError(term: String(found), offset: 0, message: "expected the version \"v=spf1\" followed by a space or the end")
        }
        var terms: [SPFTerm] = []
        var seenRedirect = false, seenExp = false
        while let (source, offset) = scanner.next() {
            let term = try SPFTermParser.parse(source, offset: offset)
            switch term.kind {
            case .modifier(.redirect):
                if seenRedirect { throw SPFSyntaxError(term: String(source), offset: offset, message: "redirect= appears twice; expected at most one (section 6)") }
                seenRedirect = true
            case .modifier(.explanation):
                if seenExp { throw SPFSyntaxError(term: String(source), offset: offset, message: "exp= appears twice; expected at most one (section 6)") }
                seenExp = true
            default: break
            }
            terms.append(term)
        }
        self.terms = terms
    }
}

/// Splits a record on runs of spaces, remembering each term's scalar offset; one pass over the text.
struct TermScanner {
    private let scalars: String.UnicodeScalarView
    private var position: String.UnicodeScalarView.Index
    private var offset = 0

    init(_ text: String) { scalars = text.unicodeScalars; position = scalars.startIndex }

    mutating func next() -> (Substring, Int)? {
        while position < scalars.endIndex, scalars[position] == " " { advance() }
        guard position < scalars.endIndex else { return nil }
        let start = position, startOffset = offset
        while position < scalars.endIndex, scalars[position] != " " { advance() }
        return (Substring(scalars[start..<position]), startOffset)
    }

    private mutating func advance() {
        position = scalars.index(after: position)
        offset += 1
    }
}

/// Parses one term: a directive (`[qualifier] mechanism`) or a modifier (`name=value`).
enum SPFTermParser {
    static func parse(_ source: Substring, offset: Int) throws(SPFSyntaxError) -> SPFTerm {
        func fail(_ message: String) -> SPFSyntaxError {
            SPFSyntaxError(term: String(source), offset: offset, message: message)
        }
        // A modifier name is ALPHA *(ALPHA / DIGIT / "-" / "_" / "."), directly followed by "=".
        let nameEnd = source.unicodeScalars.firstIndex { scalar in
            let v = scalar.value
            let isNameCharacter = (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39)
                || v == 0x2D || v == 0x5F || v == 0x2E
            return !isNameCharacter
        }
        if let nameEnd, source.unicodeScalars[nameEnd] == "=" {
            let name = String(source.unicodeScalars[..<nameEnd])
            let value = Substring(source.unicodeScalars[source.unicodeScalars.index(after: nameEnd)...])
            guard let first = name.utf8.first, MacroString.isAlpha(first) else {
                throw fail(name.isEmpty ? "modifier has no name; expected name=value" : "modifier name \"\(name)\" must start with a letter")
            }
            return SPFTerm(kind: .modifier(try parseModifier(name: name, value: value, fail: fail)), source: String(source), offset: offset)
        }
        var rest = source
        var qualifier = SPFQualifier.pass
        if let first = rest.first, let q = SPFQualifier(rawValue: first) { qualifier = q; rest = rest.dropFirst() }
        let mechanism = try parseMechanism(rest, fail: fail)
        return SPFTerm(kind: .directive(qualifier, mechanism), source: String(source), offset: offset)
    }

    private static func parseModifier(name: String, value: Substring, fail: (String) -> SPFSyntaxError) throws(SPFSyntaxError) -> SPFModifier {
        switch name.lowercased() {
        case "redirect": return .redirect(try domainSpec(value, fail: fail))
        case "exp": return .explanation(try domainSpec(value, fail: fail))
        default:
            do { return .unknown(name: name, value: try MacroString(parsing: value, explanation: false)) }
            catch { throw fail("in the value of unknown modifier \(name)=: \(error.message) (at character \(error.offset + 1))") }
        }
    }

    private static func parseMechanism(_ text: Substring, fail: (String) -> SPFSyntaxError) throws(SPFSyntaxError) -> SPFMechanism {
        let nameEnd = text.utf8.firstIndex { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") } ?? text.endIndex
        let name = String(text[..<nameEnd]).lowercasedIfNeeded
        let rest = text[nameEnd...]
        func argument() throws(SPFSyntaxError) -> Substring {
            if rest.first == "/", name != "ip4", name != "ip6" { throw fail("\(name) takes no prefix length; expected \(name):domain") }
            guard rest.first == ":" else { throw fail("\(name) needs a ':' and a value") }
            return rest.dropFirst()
        }
        switch name {
        case "all":
            guard rest.isEmpty else { throw fail("\"all\" takes no argument") }
            return .all
        case "include": return .include(try domainSpec(try argument(), fail: fail))
        case "exists": return .exists(try domainSpec(try argument(), fail: fail))
        case "ptr":
            if rest.isEmpty { return .ptr(nil) }
            return .ptr(try domainSpec(try argument(), fail: fail))
        case "a", "mx":
            let (specText, cidr) = try dualCIDR(rest, fail: fail)
            var spec: MacroString?
            if !specText.isEmpty {
                guard specText.first == ":" else { throw fail("expected ':' domain-spec or '/' prefix length after \(name)") }
                spec = try domainSpec(specText.dropFirst(), fail: fail)
            }
            return name == "a" ? .a(spec, cidr) : .mx(spec, cidr)
        case "ip4", "ip6":
            let value = try argument()
            let slash = value.utf8.firstIndex(of: UInt8(ascii: "/"))
            let address = slash.map { value[..<$0] } ?? value
            let v4 = name == "ip4"
            let ip: IPAddress? = v4 ? IPv4Address(address).map(IPAddress.v4) : IPv6Address(address).map(IPAddress.v6)
            guard let ip else { throw fail("\"\(address)\" is not an \(v4 ? "IPv4" : "IPv6") address") }
            var length: Int?
            if let slash { length = try prefixLength(value[value.utf8.index(after: slash)...], max: v4 ? 32 : 128, fail: fail) }
            return v4 ? .ip4(ip, prefixLength: length) : .ip6(ip, prefixLength: length)
        default:
            throw fail(name.isEmpty ? "empty mechanism; expected all, include, a, mx, ptr, ip4, ip6, exists or name=value"
                : "unknown mechanism \"\(name)\"; expected all, include, a, mx, ptr, ip4, ip6, exists or a name=value modifier")
        }
    }

    /// Splits `[":" domain-spec] [ "/" n ] [ "//" n ]` from the right, since "/" is also a macro literal.
    private static func dualCIDR(_ text: Substring, fail: (String) -> SPFSyntaxError) throws(SPFSyntaxError) -> (Substring, SPFDualCIDR) {
        var rest = text
        var cidr = SPFDualCIDR()
        if let slash = rest.lastIndex(of: "/"), slash > rest.startIndex, isDigits(rest[rest.index(after: slash)...]),
           rest[rest.index(before: slash)] == "/" {
            cidr.ipv6 = try prefixLength(rest[rest.index(after: slash)...], max: 128, fail: fail)
            rest = rest[..<rest.index(before: slash)]
        }
        if let slash = rest.lastIndex(of: "/"), isDigits(rest[rest.index(after: slash)...]) {
            cidr.ipv4 = try prefixLength(rest[rest.index(after: slash)...], max: 32, fail: fail)
            rest = rest[..<slash]
        }
        return (rest, cidr)
    }

    private static func isDigits(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// `ip4-cidr-length` / `ip6-cidr-length`: decimal without leading zeros, at most `max`.
    private static func prefixLength(_ s: Substring, max: Int, fail: (String) -> SPFSyntaxError) throws(SPFSyntaxError) -> Int {
        guard isDigits(s), !(s.count > 1 && s.first == "0"), s.count <= 3, let n = Int(s), n <= max else {
            throw fail("prefix length \"/\(s)\" is invalid; expected 0 to \(max) without leading zeros")
        }
        return n
    }

    /// `domain-spec = macro-string domain-end` (section 7.1 and 12); macros c, r, t are not allowed here.
    private static func domainSpec(_ text: Substring, fail: (String) -> SPFSyntaxError) throws(SPFSyntaxError) -> MacroString {
        let spec: MacroString
        do { spec = try MacroString(parsing: text, explanation: false) }
        catch { throw fail("\(error.message) (at character \(error.offset + 1) of \"\(text)\")") }
        if let problem = spec.validateDomainEnd() { throw fail(problem) }
        return spec
    }
}
