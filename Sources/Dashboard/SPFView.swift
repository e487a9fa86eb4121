import Audit
import DNSCore
import SPF

/// The SPF part of the domain page, rebuilt from the latest stored observation without asking DNS: the
/// domain's own record term by term (RFC 7208 section 4.6.4 counts `include`, `a`, `mx`, `ptr`, `exists`
/// and `redirect` against the limit of 10), each include's networks as the poll resolved them, and each
/// authorized network with the term of the domain's record behind it.
///
/// The observation keeps the networks of each include of the domain's own record, and the names of the
/// includes further down, but not their nesting: lookups inside the providers are given as one total.
struct SPFDocument: Encodable, Sendable {
    struct Node: Encodable, Sendable {
        /// The term as written in the domain's record.
        var term: String
        /// `include`, `redirect`, `a`, `mx`, `ptr`, `exists`, `ip4`, `ip6`, `all` or `modifier`.
        var kind: String
        /// Lookups this term itself costs (0 or 1).
        var lookups: Int
        /// The include or redirect target.
        var target: String?
        /// What the target authorizes (its whole subtree), or the term's own network.
        var networks: [String]
        /// `known`, `carried` (not answered in the latest poll: last known value) or `unknown`.
        var state: String
    }

    struct Network: Encodable, Sendable {
        var network: String
        /// The term of the domain's own record that authorizes it.
        var term: String
        /// The record it is written in: the domain, or the include it comes through.
        var via: String
    }

    var record: String?
    var state: String
    var result: String?
    var dnsLookups: Int
    var lookupLimit = OverviewDocument.lookupLimit
    var lookupBudget: Int
    /// True when some subtree did not answer, so `dnsLookups` is what did.
    var dnsLookupsLowerBound: Bool
    /// Lookups of the domain's own terms, and those inside the includes (total minus own).
    var ownLookups: Int
    var lookupsInsideIncludes: Int
    var voidLookups: Int
    var allQualifier: String?
    var terms: [Node]
    /// Include and redirect targets below the domain's own includes.
    var nestedIncludes: [String]
    var networks: [Network]

    init(domain: String, summary: ObservationSummary?, budget: Int?) {
        record = summary?.spfRecord
        state = summary?.spfPart.rawValue ?? "unknown"
        result = summary?.spfResult
        dnsLookups = summary?.dnsLookups ?? 0
        lookupBudget = budget ?? OverviewDocument.lookupLimit
        dnsLookupsLowerBound = summary?.dnsLookupsLowerBound ?? false
        voidLookups = summary?.voidLookups ?? 0
        allQualifier = summary?.allQualifier
        let parsed = summary?.spfRecord.flatMap { try? SPFRecord(parsing: $0) }
        let nodes = (parsed?.terms ?? []).map { Self.node($0, summary: summary) }
        terms = nodes
        ownLookups = nodes.reduce(0) { $0 + $1.lookups }
        lookupsInsideIncludes = max(0, dnsLookups - ownLookups)
        let direct = Set(nodes.compactMap(\.target))
        nestedIncludes = (summary?.includes ?? []).filter { !direct.contains($0) }
        networks = Self.networks(domain: domain, summary: summary, nodes: nodes)
    }

    static func node(_ term: SPFTerm, summary: ObservationSummary?) -> Node {
        switch term.kind {
        case .directive(_, let mechanism):
            let target: String? = if case .include(let spec) = mechanism { spec.description.lowercased() } else { nil }
            var networks = mechanism.network.map { [$0.description] } ?? []
            if let target { networks = summary?.providerNetworks[target] ?? [] }
            let state = target.flatMap { summary?.providerPart($0).rawValue } ?? summary?.spfPart.rawValue ?? "unknown"
            return Node(term: term.source, kind: mechanism.name, lookups: mechanism.queriesDNS ? 1 : 0, target: target,
                        networks: networks, state: state)
        case .modifier(let modifier):
            if case .redirect(let spec) = modifier {
                let target = spec.description.lowercased()
                return Node(term: term.source, kind: "redirect", lookups: 1, target: target,
                            networks: summary?.providerNetworks[target] ?? [], state: summary?.providerPart(target).rawValue ?? "unknown")
            }
            return Node(term: term.source, kind: "modifier", lookups: 0, target: nil, networks: [], state: summary?.spfPart.rawValue ?? "unknown")
        }
    }

    /// Each network once: an `ip4`/`ip6` term of the record itself, else the include that brings it, else the
    /// record's `a` and `mx` terms (whose addresses the observation does not keep apart).
    static func networks(domain: String, summary: ObservationSummary?, nodes: [Node]) -> [Network] {
        let addressTerms = nodes.filter { $0.kind == "a" || $0.kind == "mx" }.map(\.term)
        return (summary?.networks ?? []).map { network in
            if let own = nodes.first(where: { ($0.kind == "ip4" || $0.kind == "ip6") && $0.networks.contains(network) }) {
                return Network(network: network, term: own.term, via: domain)
            }
            if let include = nodes.first(where: { $0.target != nil && $0.networks.contains(network) }) {
                return Network(network: network, term: include.term, via: include.target ?? domain)
            }
            return Network(network: network, term: addressTerms.isEmpty ? "?" : addressTerms.joined(separator: " or "), via: domain)
        }
    }

    /// The term that authorizes `ip`, if any network does.
    func authorizing(_ ip: IPAddress) -> Network? {
        networks.first { CIDRNetwork($0.network)?.contains(ip) == true }
    }

    func authorizing(_ network: CIDRNetwork) -> Network? {
        networks.first { CIDRNetwork($0.network)?.contains(network) == true }
    }
}
