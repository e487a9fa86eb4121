import DNSCore

/// One `tag=value` term of a record, as written (name lower-cased, value trimmed).
public struct DMARCTag: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// A parsed DMARC Policy Record (RFC 9989 section 4.7; RFC 7489 section 6.3).
///
/// Parse with `init(parsing:)`; build one from values with the memberwise initializer and write it back
/// with `serialized`. Tags RFC 9989 removed (`pct`, `rf`, `ri`) are still read, because RFC 7489
/// receivers honour them, but they never make a record invalid.
public struct DMARCRecord: Sendable, Hashable, Codable {
    /// `p`: the policy for the domain itself. Absent `p` with a usable `rua` reads as `none` (RFC 9989).
    public var policy: DMARCPolicy
    /// Whether `p` was written; false when RFC 9989's implicit `p=none` applies.
    public var hasExplicitPolicy: Bool
    /// `sp`: the policy for existing subdomains, as published.
    public var subdomainPolicy: DMARCPolicy?
    /// `np`: the policy for non-existent subdomains (RFC 9989, from RFC 9091), as published.
    public var nonexistentSubdomainPolicy: DMARCPolicy?
    /// `adkim`, default relaxed.
    public var dkimAlignment: AlignmentMode
    /// `aspf`, default relaxed.
    public var spfAlignment: AlignmentMode
    /// `pct` (RFC 7489 only; removed by RFC 9989): nil when absent or not an integer 0...100.
    public var percentage: Int?
    /// `rua`: where aggregate reports go.
    public var aggregateURIs: [DMARCReportURI]
    /// `ruf`: where failure reports go.
    public var failureURIs: [DMARCReportURI]
    /// `fo`, empty when absent (which means `0`).
    public var failureOptions: [DMARCFailureOption]
    /// `rf` (removed by RFC 9989): report formats, nil when absent or invalid.
    public var reportFormat: [String]?
    /// `ri` (removed by RFC 9989): seconds between aggregate reports, nil when absent or invalid.
    public var reportInterval: UInt32?
    /// `t=y`: testing mode (RFC 9989), which replaces `pct`.
    public var testing: Bool
    /// `psd`, default `u`.
    public var psd: DMARCPublicSuffixFlag
    /// Every term in the order written, unknown tags included.
    public var tags: [DMARCTag]
    public var warnings: [DMARCDiagnostic]
    /// The record text as published (for a built record, its serialization).
    public var text: String

    public init(
        policy: DMARCPolicy = .none, hasExplicitPolicy: Bool = true, subdomainPolicy: DMARCPolicy? = nil,
        nonexistentSubdomainPolicy: DMARCPolicy? = nil, dkimAlignment: AlignmentMode = .relaxed,
        spfAlignment: AlignmentMode = .relaxed, percentage: Int? = nil, aggregateURIs: [DMARCReportURI] = [],
        failureURIs: [DMARCReportURI] = [], failureOptions: [DMARCFailureOption] = [], reportFormat: [String]? = nil,
        reportInterval: UInt32? = nil, testing: Bool = false, psd: DMARCPublicSuffixFlag = .unknown
    ) {
        self.policy = policy; self.hasExplicitPolicy = hasExplicitPolicy; self.subdomainPolicy = subdomainPolicy
        self.nonexistentSubdomainPolicy = nonexistentSubdomainPolicy; self.dkimAlignment = dkimAlignment
        self.spfAlignment = spfAlignment; self.percentage = percentage; self.aggregateURIs = aggregateURIs
        self.failureURIs = failureURIs; self.failureOptions = failureOptions; self.reportFormat = reportFormat
        self.reportInterval = reportInterval; self.testing = testing; self.psd = psd
        self.tags = []; self.warnings = []; self.text = ""
        self.text = serialized
    }

    /// `sp`, or `p` when `sp` is absent (RFC 9989 section 4.7).
    public var effectiveSubdomainPolicy: DMARCPolicy { subdomainPolicy ?? policy }
    /// `np`, else `sp`, else `p` (RFC 9989 section 4.7).
    public var effectiveNonexistentSubdomainPolicy: DMARCPolicy { nonexistentSubdomainPolicy ?? effectiveSubdomainPolicy }

    /// The published policy that applies to `domain` when this record was found at `policyDomain`
    /// (RFC 9989 section 4.7, the `p`, `sp` and `np` definitions).
    /// - Parameter domainExists: whether `domain` exists in DNS (RFC 8020 sense); only read for a subdomain.
    public func policy(for domain: DomainName, at policyDomain: DomainName, domainExists: Bool) -> DMARCPolicy {
        if domain == policyDomain { return policy }
        return domainExists ? effectiveSubdomainPolicy : effectiveNonexistentSubdomainPolicy
    }

    /// The value of a recognised tag as this parser understood it, normalised; nil for an absent,
    /// unknown or (for the removed tags) invalid one. Lets callers and tests ask by wire name.
    public func value(of tag: String) -> String? {
        switch tag.lowercased() {
        case "v": "DMARC1"
        case "p": hasExplicitPolicy ? policy.rawValue : nil
        case "sp": subdomainPolicy?.rawValue
        case "np": nonexistentSubdomainPolicy?.rawValue
        case "adkim": written("adkim") ? dkimAlignment.rawValue : nil
        case "aspf": written("aspf") ? spfAlignment.rawValue : nil
        case "pct": percentage.map(String.init)
        case "rua": aggregateURIs.isEmpty ? nil : aggregateURIs.map(\.description).joined(separator: ",")
        case "ruf": failureURIs.isEmpty ? nil : failureURIs.map(\.description).joined(separator: ",")
        case "fo": failureOptions.isEmpty ? nil : failureOptions.map(\.rawValue).joined(separator: ":")
        case "rf": reportFormat?.joined(separator: ":")
        case "ri": reportInterval.map(String.init)
        case "t": written("t") ? (testing ? "y" : "n") : nil
        case "psd": written("psd") ? psd.rawValue : nil
        default: nil
        }
    }

    private func written(_ name: String) -> Bool { tags.contains { $0.name == name } }

    /// The record written back in canonical form: `v=DMARC1` first, `p` second, then the other tags
    /// that differ from their defaults, `; ` separated. Parsing it yields the same values.
    public var serialized: String {
        var terms = ["v=DMARC1"]
        if hasExplicitPolicy || aggregateURIs.isEmpty { terms.append("p=\(policy.rawValue)") }
        if let sp = subdomainPolicy { terms.append("sp=\(sp.rawValue)") }
        if let np = nonexistentSubdomainPolicy { terms.append("np=\(np.rawValue)") }
        if dkimAlignment != .relaxed { terms.append("adkim=\(dkimAlignment.rawValue)") }
        if spfAlignment != .relaxed { terms.append("aspf=\(spfAlignment.rawValue)") }
        if let pct = percentage { terms.append("pct=\(pct)") }
        if !aggregateURIs.isEmpty { terms.append("rua=" + aggregateURIs.map(\.description).joined(separator: ",")) }
        if !failureURIs.isEmpty { terms.append("ruf=" + failureURIs.map(\.description).joined(separator: ",")) }
        if !failureOptions.isEmpty { terms.append("fo=" + failureOptions.map(\.rawValue).joined(separator: ":")) }
        if let rf = reportFormat { terms.append("rf=" + rf.joined(separator: ":")) }
        if let ri = reportInterval { terms.append("ri=\(ri)") }
        if testing { terms.append("t=y") }
        if psd != .unknown { terms.append("psd=\(psd.rawValue)") }
        return terms.joined(separator: "; ")
    }
}
