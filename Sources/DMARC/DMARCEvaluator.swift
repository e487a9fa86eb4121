import DNSCore

/// The DMARC verdict for one message (RFC 9989 section 4.3 and 4.4; RFC 7489 section 6.6).
public struct DMARCVerdict: Sendable, Codable {
    public enum Result: String, Sendable, Codable {
        /// An authenticated identifier aligned with the Author Domain.
        case pass
        /// A policy applies and nothing aligned.
        case fail
        /// No policy applies (no record, several records, an invalid record), or the message could
        /// not be evaluated (see `problem`).
        case none
        /// A temporary DNS failure stopped the evaluation.
        case temperror
    }

    public var result: Result
    /// The Author Domain, from the RFC5322.From header.
    public var headerFrom: DomainName?
    /// The policy to apply to failing mail: `p`, `sp` or `np`, weakened one step under `t=y`.
    public var policy: DMARCPolicy?
    /// `p`, `sp` or `np` as published, before any `t=y` adjustment.
    public var publishedPolicy: DMARCPolicy?
    public var policyDomain: DomainName?
    public var organizationalDomain: DomainName?
    public var record: DMARCRecord?
    public var dkim: [IdentifierAlignment]
    public var spf: [IdentifierAlignment]
    public var discovery: DMARCDiscoveryResult?
    /// The DNS names queried, in order.
    public var queries: [String]
    public var problem: String?

    /// The first DKIM signing domain that aligned.
    public var dkimAlignedDomain: DomainName? { dkim.first { $0.aligned == true }?.domain }
    /// The first SPF-authenticated domain that aligned.
    public var spfAlignedDomain: DomainName? { spf.first { $0.aligned == true }?.domain }

    init(result: Result) {
        self.result = result; dkim = []; spf = []; queries = []
    }
}

/// Evaluates DMARC for a message given its authentication results, discovering the policy and the
/// Organizational Domains through the DNS Tree Walk (RFC 9989 section 4.10); there is no Public Suffix
/// List here. All lookups of one evaluation share a cache, so no name is queried twice.
public struct DMARCEvaluator: Sendable {
    public let resolver: any DNSResolver

    public init(resolver: any DNSResolver) { self.resolver = resolver }

    /// - Parameters:
    ///   - headerFrom: the Author Domain (the domain of the single RFC5322.From address).
    ///   - dkimDomains: `d=` of the DKIM signatures that verified.
    ///   - spfDomains: domains SPF authenticated with `pass` (MAIL FROM, or HELO when MAIL FROM was empty).
    public func evaluate(headerFrom: DomainName, dkimDomains: [DomainName], spfDomains: [DomainName]) async -> DMARCVerdict {
        var lookup = DMARCLookup(resolver: resolver)
        var verdict = await evaluate(headerFrom, dkimDomains, spfDomains, &lookup)
        verdict.queries = lookup.queries
        verdict.discovery?.queries = lookup.queries
        return verdict
    }

    private func evaluate(_ headerFrom: DomainName, _ dkimDomains: [DomainName], _ spfDomains: [DomainName],
                          _ lookup: inout DMARCLookup) async -> DMARCVerdict {
        let discovery = await DMARCDiscovery.discover(headerFrom, &lookup)
        var verdict = DMARCVerdict(result: .none)
        verdict.headerFrom = headerFrom
        verdict.discovery = discovery
        verdict.policyDomain = discovery.policyDomain
        verdict.organizationalDomain = discovery.organizationalDomain
        verdict.problem = discovery.problem
        switch discovery.status {
        case .temperror:
            verdict.result = .temperror
            verdict.record = discovery.record
            return verdict
        case .none, .multiple, .invalid:
            return verdict
        case .found:
            break
        }
        guard let record = discovery.record, let applied = discovery.appliedPolicy else { return verdict }
        verdict.record = record
        verdict.publishedPolicy = applied
        verdict.policy = record.testing ? applied.testingAdjusted : applied
        verdict.dkim = await align(dkimDomains, headerFrom, discovery.organizationalDomain, record.dkimAlignment, &lookup)
        verdict.spf = await align(spfDomains, headerFrom, discovery.organizationalDomain, record.spfAlignment, &lookup)
        let checks = verdict.dkim + verdict.spf
        if checks.contains(where: { $0.aligned == true }) {
            verdict.result = .pass
        } else if checks.contains(where: { $0.aligned == nil }) {
            verdict.result = .temperror
            verdict.problem = "an Organizational Domain could not be determined because of a temporary DNS failure"
        } else {
            verdict.result = .fail
        }
        return verdict
    }

    /// Convenience for raw addresses: DMARC needs exactly one Author Domain, so a From header with
    /// several addresses is not evaluated (RFC 7489 section 6.6.1 leaves it to local policy) and an
    /// address without a valid domain neither.
    public func evaluate(fromAddresses: [String], dkimDomains: [DomainName], spfDomains: [DomainName]) async -> DMARCVerdict {
        guard fromAddresses.count == 1, let address = fromAddresses.first else {
            var verdict = DMARCVerdict(result: .none)
            verdict.problem = "not evaluated: the From header has \(fromAddresses.count) addresses, DMARC needs exactly one Author Domain"
            return verdict
        }
        guard let at = address.lastIndex(of: "@"), let domain = try? DomainName(String(address[address.index(after: at)...])) else {
            var verdict = DMARCVerdict(result: .none)
            verdict.problem = "not evaluated: the From address \"\(address)\" has no valid domain"
            return verdict
        }
        return await evaluate(headerFrom: domain, dkimDomains: dkimDomains, spfDomains: spfDomains)
    }

    private func align(_ domains: [DomainName], _ from: DomainName, _ fromOrg: DomainName?, _ mode: AlignmentMode,
                       _ lookup: inout DMARCLookup) async -> [IdentifierAlignment] {
        var out: [IdentifierAlignment] = []
        for domain in domains {
            if domain == from || mode == .strict || !Alignment.mayShareOrganizationalDomain(domain, from) {
                out.append(IdentifierAlignment(domain: domain, organizationalDomain: nil, aligned: domain == from))
                continue
            }
            let walk = await DMARCTreeWalk.walk(domain, &lookup, needPolicy: false)
            guard let org = walk.organizationalDomain, let fromOrg else {
                out.append(IdentifierAlignment(domain: domain, organizationalDomain: walk.organizationalDomain, aligned: nil))
                continue
            }
            out.append(IdentifierAlignment(domain: domain, organizationalDomain: org, aligned: org == fromOrg))
        }
        return out
    }
}
