import DNSCore

/// A finding of static analysis. `code` is stable kebab-case so other tools can key on it:
///
/// errors: `lookup-limit`, `void-limit`, `syntax`, `multiple-records`, `non-ascii`, `include-no-spf`,
/// `include-loop`, `mx-limit`, `no-record`, `dns-temporary`, `dns-failure`;
/// warnings: `ptr`, `permissive-all`, `no-all`, `redirect-ignored`, `too-long`, `string-too-long`,
/// `duplicate-include`, `overlapping-networks`.
public struct SPFDiagnostic: Sendable, Hashable, Codable {
    public var code: String
    public var message: String
    /// The domain whose record holds the problem.
    public var domain: String?
    /// The term concerned, as written.
    public var term: String?

    public init(code: String, message: String, domain: String? = nil, term: String? = nil) {
        self.code = code; self.message = message; self.domain = domain; self.term = term
    }
}

/// One record in the include/redirect tree.
public struct SPFNode: Sendable, Codable {
    public var domain: String
    public var record: String?
    /// The include or redirect term that led here; nil for the root.
    public var via: String?
    /// Terms in this record that query DNS (section 4.6.4).
    public var lookups: Int
    /// This record plus its subtree, when no term matches (the worst case).
    public var totalLookups: Int
    /// Terms of this record whose lookups came back NXDOMAIN or no data.
    public var voidLookups: [String]
    public var children: [SPFNode]
    public var error: String?
    /// `known` (the record was read, or is provably absent or unusable), `unknown` (DNS did not answer for
    /// now: the subtree's lookups are not counted and its networks are not listed) or `impossible` (a
    /// permanent reason: an include loop, nesting too deep, a permanent DNS failure).
    public var verdict: String

    public init(domain: String, record: String? = nil, via: String? = nil, lookups: Int = 0, totalLookups: Int = 0,
                voidLookups: [String] = [], children: [SPFNode] = [], error: String? = nil, verdict: String = "known") {
        self.domain = domain; self.record = record; self.via = via; self.lookups = lookups
        self.totalLookups = totalLookups; self.voidLookups = voidLookups; self.children = children; self.error = error
        self.verdict = verdict
    }

    /// This node and every node below it, depth first.
    public var descendants: [SPFNode] {
        var found: [SPFNode] = []
        var stack = [self]
        while let node = stack.popLast() {
            found.append(node)
            stack += node.children.reversed()
        }
        return found
    }
}

/// A part of the SPF tree that DNS did not answer for now (a timeout, SERVFAIL, a name outside the zone
/// files): the record of the top domain or of an include/redirect target, or the addresses behind an `a`
/// or `mx` term. While one exists, counts are lower bounds and the network list is incomplete.
public struct SPFUnknownPart: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The SPF record of `name`.
        case record
        /// The addresses (or the MX hosts) of `name`, named by an `a` or `mx` term.
        case addresses
    }

    public var kind: Kind
    /// The name DNS did not answer for.
    public var name: String
    /// The include, redirect, `a` or `mx` term as written; nil for the audited domain's own record.
    public var term: String?
    /// The domain whose record holds `term`; nil for the audited domain's own record.
    public var holder: String?
    public var cause: DNSFailure

    public init(kind: Kind, name: String, term: String?, holder: String?, cause: DNSFailure) {
        self.kind = kind; self.name = name; self.term = term; self.holder = holder; self.cause = cause
    }

    /// "the SPF record of x (reached by include:x in y)", "the addresses of host (a:host in y)".
    public var label: String {
        let reached = term.map { t in " (\(t) in the record of \(holder ?? "?"))" } ?? ""
        switch kind {
        case .record: return "the SPF record of \(name)" + reached
        case .addresses: return "the addresses of \(name)" + reached
        }
    }
}

/// A network some term of the tree authorizes (or, with `-`/`~`/`?`, names).
public struct SPFAuthorizedNetwork: Sendable, Hashable, Codable, Comparable {
    public var network: CIDRNetwork
    /// "+", "-", "~" or "?".
    public var qualifier: String
    /// The term as written, e.g. `ip4:192.0.2.0/24`, `a:mail.example.com/24`, `mx`.
    public var source: String
    /// The domain whose record holds the term.
    public var via: String

    public init(network: CIDRNetwork, qualifier: String, source: String, via: String) {
        self.network = network; self.qualifier = qualifier; self.source = source; self.via = via
    }

    public static func < (a: SPFAuthorizedNetwork, b: SPFAuthorizedNetwork) -> Bool {
        if a.network != b.network { return a.network < b.network }
        return (a.qualifier, a.via, a.source) < (b.qualifier, b.via, b.source)
    }

    /// The network and qualifier only: the texts rarely tell two entries of one tree apart, and hashing them
    /// for every network the walker collects was most of the cost of collecting it. Equality still compares all.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(network)
        hasher.combine(qualifier)
    }
}

/// What a domain's SPF publishes, without a client address (static analysis).
public struct SPFAnalysis: Sendable, Codable {
    public var domain: String
    public var record: String?
    public var tree: SPFNode?
    /// Worst-case DNS-querying terms of the whole tree (no term matches); the true count, even beyond 10.
    public var dnsLookups: Int
    public var voidLookups: Int
    /// Each void term with its domain and answer.
    public var voidLookupTerms: [String]
    public var networks: [SPFAuthorizedNetwork]
    /// Terms whose targets depend on the message (macros, exists, ptr), so cannot be listed statically.
    public var unenumerable: [String]
    public var warnings: [SPFDiagnostic]
    public var errors: [SPFDiagnostic]
    /// The qualifier of the `all` that ends evaluation, following redirect; nil when there is none.
    public var allQualifier: String?
    /// Set when the result is the same for every client: none (no record), permerror (a record receivers
    /// cannot use), temperror (DNS failed). Nil when the result depends on the client address.
    public var result: SPFResult?
    /// Parts DNS did not answer for now; empty when the analysis is complete.
    public var unknownParts: [SPFUnknownPart] = []

    public init(domain: String, record: String? = nil, tree: SPFNode? = nil, dnsLookups: Int = 0, voidLookups: Int = 0,
                voidLookupTerms: [String] = [], networks: [SPFAuthorizedNetwork] = [], unenumerable: [String] = [],
                warnings: [SPFDiagnostic] = [], errors: [SPFDiagnostic] = [], allQualifier: String? = nil, result: SPFResult? = nil) {
        self.domain = domain; self.record = record; self.tree = tree; self.dnsLookups = dnsLookups
        self.voidLookups = voidLookups; self.voidLookupTerms = voidLookupTerms; self.networks = networks
        self.unenumerable = unenumerable; self.warnings = warnings; self.errors = errors
        self.allQualifier = allQualifier; self.result = result
    }

    /// The positively authorized (`+`) networks.
    public var authorizedNetworks: [SPFAuthorizedNetwork] { networks.filter { $0.qualifier == "+" } }

    /// Every part was answered: the counts are exact and the networks complete.
    public var isComplete: Bool { unknownParts.isEmpty }

    /// Why the domain's own SPF record is unknown, when it is: nothing about SPF can be said then.
    public var topRecordUnknown: DNSFailure? {
        unknownParts.first { $0.kind == .record && $0.term == nil }?.cause
    }

    /// What is known of the domain's own record: unknown when it did not answer, impossible when it failed
    /// for good (a CNAME loop), known otherwise (found, absent or unusable).
    public var recordVerdict: PartVerdict {
        if let failure = topRecordUnknown { return .unknown(failure) }
        if tree?.verdict == "impossible" { return .impossible(tree?.error ?? "the record cannot be read") }
        return .known
    }

    /// True when some include or redirect subtree was not read, so `dnsLookups` only counts what was.
    public var dnsLookupsAreLowerBound: Bool { unknownParts.contains { $0.kind == .record } }

    /// True when some lookup went unanswered, so `voidLookups` may be higher.
    public var voidLookupsAreLowerBound: Bool { !unknownParts.isEmpty }

    /// The verdict of the part behind an include, redirect, `a` or `mx` term in the record of `holder`.
    public func verdict(ofTerm term: String, in holder: String) -> PartVerdict {
        let part = unknownParts.first {
            $0.term?.lowercased() == term.lowercased() && $0.holder?.lowercased() == holder.lowercased()
        }
        return part.map { .unknown($0.cause) } ?? .known
    }
}
