import DNSCore

/// Static analysis of a domain's SPF: the include/redirect tree, the worst-case lookup count, the networks
/// it authorizes and the practices RFC 7208 warns against. Needs no client address.
public struct SPFAnalyzer: Sendable {
    public let resolver: any DNSResolver
    public let options: SPFOptions

    public init(resolver: any DNSResolver, options: SPFOptions = .init()) {
        self.resolver = resolver
        self.options = options
    }

    public func analyze(domain: DomainName) async -> SPFAnalysis {
        let walker = AnalysisWalker(resolver: resolver, options: options)
        return await walker.analyze(domain)
    }
}

/// The state of one analysis: fetched records, the path for loop detection, and the findings so far.
final class AnalysisWalker {
    let resolver: any DNSResolver
    let options: SPFOptions
    var warnings: [SPFDiagnostic] = []
    var errors: [SPFDiagnostic] = []
    var networks: Set<SPFAuthorizedNetwork> = []
    var unenumerable: [String] = []
    var unknownParts: [SPFUnknownPart] = []
    /// Each record is analyzed once; a second include of it reuses the node (its lookups still count twice,
    /// since receivers evaluate it twice).
    var built: [DomainName: SPFNode] = [:]
    var path: [DomainName] = []
    var seenIncludes: Set<DomainName> = []
    /// Fetched and parsed records, for the result decision at the top.
    var fetched: [DomainName: FetchedSPF] = [:]

    static let maxDepth = 32

    init(resolver: any DNSResolver, options: SPFOptions) {
        self.resolver = resolver
        self.options = options
    }

    func analyze(_ domain: DomainName) async -> SPFAnalysis {
        let root = await node(domain, via: nil, isTop: true, topChain: true)
        var analysis = SPFAnalysis(domain: domain.text, record: root.record, tree: root)
        analysis.dnsLookups = root.totalLookups
        analysis.voidLookupTerms = Self.voidTerms(root)
        analysis.voidLookups = analysis.voidLookupTerms.count
        analysis.networks = networks.sorted()
        analysis.unenumerable = unenumerable
        analysis.allQualifier = effectiveAll(domain).map { String($0.rawValue) }
        analysis.unknownParts = unknownParts
        // With parts unanswered the counts are lower bounds: one already over the limit is still proof.
        let atLeast = analysis.dnsLookupsAreLowerBound ? "at least " : ""
        if analysis.dnsLookups > options.maxLookups {
            errors.append(SPFDiagnostic(code: "lookup-limit", message: "SPF for \(domain) needs \(atLeast)\(analysis.dnsLookups) DNS lookups when no term matches, more than the \(options.maxLookups) allowed (RFC 7208 section 4.6.4)", domain: domain.text))
        }
        if analysis.voidLookups > options.maxVoidLookups {
            let atLeastVoid = analysis.voidLookupsAreLowerBound ? "at least " : ""
            errors.append(SPFDiagnostic(code: "void-limit", message: "SPF for \(domain) has \(atLeastVoid)\(analysis.voidLookups) lookups with no answer, more than the \(options.maxVoidLookups) allowed (RFC 7208 section 4.6.4): \(analysis.voidLookupTerms.joined(separator: "; "))", domain: domain.text))
        }
        warnings += Self.overlaps(analysis.networks)
        analysis.warnings = warnings
        analysis.errors = errors
        analysis.result = result(domain)
        return analysis
    }

    /// The all that ends evaluation: the top record's, or, without one, its redirect target's (section 6.1).
    func effectiveAll(_ domain: DomainName) -> SPFQualifier? {
        var current = domain
        var visited: Set<DomainName> = []
        while visited.insert(current).inserted, case .record(let record, _)? = fetched[current] {
            if let all = record.all { return all.qualifier }
            guard let (spec, _) = record.redirect, !spec.hasMacros, let next = try? DomainName(spec.description) else { return nil }
            current = next
        }
        return nil
    }

    /// none, temperror or permerror when every client would get it: the top record (following redirect)
    /// is missing, unreadable, or unusable.
    func result(_ domain: DomainName) -> SPFResult? {
        var current = domain
        var visited: Set<DomainName> = []
        var isTop = true
        while let state = fetched[current] {
            // A redirect chain that comes back on itself ends in permerror at the lookup limit.
            guard visited.insert(current).inserted else { return .permerror }
            switch state {
            // A permanent failure (a CNAME loop) is temperror too: receivers behind a recursive resolver see
            // SERVFAIL for it.
            case .failed: return .temperror
            case .absent: return isTop ? SPFResult.none : .permerror
            case .unusable: return .permerror
            case .record(let record, _):
                guard record.all == nil, let (spec, _) = record.redirect, !spec.hasMacros,
                      let next = try? DomainName(spec.description) else { return nil }
                current = next
                isTop = false
            }
        }
        return nil
    }

    static func voidTerms(_ node: SPFNode) -> [String] {
        node.voidLookups + node.children.flatMap(voidTerms)
    }

    /// Networks of one qualifier that lie inside another (RFC 4632 prefixes nest or are disjoint, so after
    /// sorting each one only needs comparing with the widest open one before it).
    static func overlaps(_ networks: [SPFAuthorizedNetwork]) -> [SPFDiagnostic] {
        var found: [SPFDiagnostic] = []
        for qualifier in ["+", "-", "~", "?"] {
            var widest: SPFAuthorizedNetwork?
            for n in networks where n.qualifier == qualifier {
                if let w = widest, w.network.contains(n.network) {
                    if w.network == n.network && w.source == n.source && w.via == n.via { continue }
                    found.append(SPFDiagnostic(code: "overlapping-networks", message: "\(n.source) in \(n.via) (\(n.network)) is already covered by \(w.source) in \(w.via) (\(w.network))", domain: n.via, term: n.source))
                } else {
                    widest = n
                }
            }
        }
        return found
    }
}

/// A name's SPF as fetched for analysis.
enum FetchedSPF {
    case failed(DNSFailure)
    case absent
    case unusable
    /// The record and its TXT character-strings as published.
    case record(SPFRecord, [[UInt8]])
}
