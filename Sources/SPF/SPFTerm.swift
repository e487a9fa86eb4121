import DNSCore

/// A directive's qualifier (RFC 7208 section 4.6.2); an absent qualifier means `+`.
public enum SPFQualifier: Character, Sendable, Hashable, Codable, CaseIterable {
    case pass = "+"
    case fail = "-"
    case softfail = "~"
    case neutral = "?"

    /// The result `check_host` returns when a directive with this qualifier matches.
    public var result: SPFResult {
        switch self {
        case .pass: .pass
        case .fail: .fail
        case .softfail: .softfail
        case .neutral: .neutral
        }
    }
}

/// The optional `/n` and `//n` prefix lengths of `a` and `mx` (RFC 7208 section 5.6, `dual-cidr-length`).
public struct SPFDualCIDR: Sendable, Hashable {
    public var ipv4: Int?
    public var ipv6: Int?
    public init(ipv4: Int? = nil, ipv6: Int? = nil) { self.ipv4 = ipv4; self.ipv6 = ipv6 }

    /// The prefix length used when comparing an address of `ip`'s family (full length when absent).
    public func prefixLength(for ip: IPAddress) -> Int {
        ip.isIPv4 ? (ipv4 ?? 32) : (ipv6 ?? 128)
    }

    var text: String {
        (ipv4.map { "/\($0)" } ?? "") + (ipv6.map { "//\($0)" } ?? "")
    }
}

/// A mechanism (RFC 7208 section 5). Domain specifications stay unexpanded macro strings.
public enum SPFMechanism: Sendable, Hashable {
    case all
    case include(MacroString)
    case a(MacroString?, SPFDualCIDR)
    case mx(MacroString?, SPFDualCIDR)
    case ptr(MacroString?)
    /// The address as written (host bits may be set) and its prefix length when given.
    case ip4(IPAddress, prefixLength: Int?)
    case ip6(IPAddress, prefixLength: Int?)
    case exists(MacroString)

    /// The mechanism name in lower case.
    public var name: String {
        switch self {
        case .all: "all"
        case .include: "include"
        case .a: "a"
        case .mx: "mx"
        case .ptr: "ptr"
        case .ip4: "ip4"
        case .ip6: "ip6"
        case .exists: "exists"
        }
    }

    /// True for the mechanisms RFC 7208 section 4.6.4 counts against the limit of 10 DNS-querying terms.
    public var queriesDNS: Bool {
        switch self {
        case .include, .a, .mx, .ptr, .exists: true
        case .all, .ip4, .ip6: false
        }
    }

    /// The network of an `ip4` or `ip6` mechanism, host bits cleared.
    public var network: CIDRNetwork? {
        switch self {
        case .ip4(let ip, let length), .ip6(let ip, let length):
            CIDRNetwork(address: ip, prefixLength: length ?? ip.bitWidth)
        default: nil
        }
    }

    /// The domain specification, if the mechanism has one.
    public var domainSpec: MacroString? {
        switch self {
        case .include(let spec), .exists(let spec): spec
        case .a(let spec, _), .mx(let spec, _), .ptr(let spec): spec
        case .all, .ip4, .ip6: nil
        }
    }

    /// Canonical text (lower-case name, no redundant parts).
    public var text: String {
        switch self {
        case .all: return "all"
        case .include(let spec): return "include:\(spec)"
        case .exists(let spec): return "exists:\(spec)"
        case .a(let spec, let cidr): return "a" + (spec.map { ":\($0)" } ?? "") + cidr.text
        case .mx(let spec, let cidr): return "mx" + (spec.map { ":\($0)" } ?? "") + cidr.text
        case .ptr(let spec): return "ptr" + (spec.map { ":\($0)" } ?? "")
        case .ip4(let ip, let length), .ip6(let ip, let length):
            return name + ":" + ip.description + (length.map { "/\($0)" } ?? "")
        }
    }
}

/// A modifier (RFC 7208 section 6 and the `unknown-modifier` rule of section 12).
public enum SPFModifier: Sendable, Hashable {
    case redirect(MacroString)
    case explanation(MacroString)
    /// Kept as written so the record round-trips; never affects the result (section 6).
    case unknown(name: String, value: MacroString)

    public var text: String {
        switch self {
        case .redirect(let spec): "redirect=\(spec)"
        case .explanation(let spec): "exp=\(spec)"
        case .unknown(let name, let value): "\(name)=\(value)"
        }
    }
}

/// One term of a record with where it was written. Equality and hashing look only at the meaning, so a
/// record compares equal to its own serialization.
public struct SPFTerm: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case directive(SPFQualifier, SPFMechanism)
        case modifier(SPFModifier)
    }

    public var kind: Kind
    /// The term exactly as written in the record.
    public var source: String
    /// Offset of the term in the record, in Unicode scalars.
    public var offset: Int

    public init(kind: Kind, source: String? = nil, offset: Int = 0) {
        self.kind = kind
        self.offset = offset
        self.source = source ?? Self.canonicalText(kind)
    }

    public var description: String { Self.canonicalText(kind) }

    static func canonicalText(_ kind: Kind) -> String {
        switch kind {
        case .directive(let qualifier, let mechanism):
            (qualifier == .pass ? "" : String(qualifier.rawValue)) + mechanism.text
        case .modifier(let modifier): modifier.text
        }
    }

    public var mechanism: SPFMechanism? {
        if case .directive(_, let m) = kind { m } else { nil }
    }

    public static func == (lhs: SPFTerm, rhs: SPFTerm) -> Bool { lhs.kind == rhs.kind }
    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
