import DMARC
import DNSCore
import SPF

/// Names the observed sources of one domain, trying in order: the approved sender it belongs to; the
/// include of the domain's own SPF that authorizes it; a catalogue provider whose include authorizes it;
/// its forward-confirmed reverse DNS name and that name's Organizational Domain; the DKIM `d=` it signs
/// with. A step whose DNS did not answer is skipped, never taken as a negative: the source gets the name
/// of a later step, or none, and the next poll tries again.
///
/// One namer serves a whole run: the catalogue providers' networks and the reverse names are read once
/// and shared by every domain (`SourceNamingCache`).
public struct SourceNamer: Sendable {
    public let resolver: any DNSResolver
    public let catalogue: ProviderCatalogue
    public let cache: SourceNamingCache
    /// Reverse lookups one domain may start; the sources are taken most messages first.
    public let maximumReverseLookups: Int
    /// Sources one domain names at all.
    public static let maximumSources = 500

    public init(resolver: any DNSResolver, catalogue: ProviderCatalogue = .builtIn, cache: SourceNamingCache = SourceNamingCache(),
                maximumReverseLookups: Int = 50) {
        self.resolver = resolver
        self.catalogue = catalogue
        self.cache = cache
        self.maximumReverseLookups = maximumReverseLookups
    }

    /// One source to name: its address and the domains of the DKIM signatures that passed for it.
    public struct Source: Sendable, Hashable {
        public var ip: IPAddress
        public var messages: Int
        public var dkimDomains: [String]
        public init(ip: IPAddress, messages: Int, dkimDomains: [String]) {
            self.ip = ip; self.messages = messages; self.dkimDomains = dkimDomains
        }
    }

    /// Names by address text; a source nothing names is absent.
    public func names(domain: DomainName, sources: [Source], approved: [ApprovedSender], expanded: [ExpandedSender],
                      spf: SPFAnalysis) async -> [String: SourceName] {
        let ordered = sources.sorted { $0.messages != $1.messages ? $0.messages > $1.messages : $0.ip < $1.ip }
            .prefix(Self.maximumSources)
        let includeOf = Self.topLevelIncludes(spf)
        let approvedIncludes = Set(approved.filter { $0.kind == .include }.map { $0.value.lowercased() })
        var names: [String: SourceName] = [:]
        var unnamed: [Source] = []
        for source in ordered {
            if let name = approvedName(source.ip, approved: approved, expanded: expanded, spf: spf,
                                       includeOf: includeOf, approvedIncludes: approvedIncludes)
                ?? includeName(source.ip, domain: domain, spf: spf, includeOf: includeOf) {
                names[source.ip.description] = name
            } else {
                unnamed.append(source)
            }
        }
        guard !unnamed.isEmpty else { return names }
        let providers = await cache.providerNetworks(catalogue, resolver: resolver)
        var reverseBudget = maximumReverseLookups
        for source in unnamed {
            if let name = catalogueName(source.ip, providers: providers) {
                names[source.ip.description] = name
                continue
            }
            if reverseBudget > 0 {
                reverseBudget -= 1
                if let name = await reverseName(source.ip) {
                    names[source.ip.description] = name
                    continue
                }
            }
            if let name = dkimName(source, domain: domain) { names[source.ip.description] = name }
        }
        return names
    }

    /// For each record of the tree, the include or redirect of the domain's own record it lies under.
    static func topLevelIncludes(_ spf: SPFAnalysis) -> [String: String] {
        var map: [String: String] = [:]
        for child in spf.tree?.children ?? [] where child.via != nil {
            let top = child.domain.lowercased()
            for node in child.descendants where map[node.domain.lowercased()] == nil { map[node.domain.lowercased()] = top }
            if map[top] == nil { map[top] = top }
        }
        return map
    }

    func approvedName(_ ip: IPAddress, approved: [ApprovedSender], expanded: [ExpandedSender], spf: SPFAnalysis,
                      includeOf: [String: String], approvedIncludes: Set<String>) -> SourceName? {
        if let sender = ObservedJudge.owner(of: ip, approved: approved, expanded: expanded) {
            return SourceName(name: sender.name ?? sender.value, method: .approvedSender,
                              detail: "the approved sender \(InventoryFindings.describe(sender))",
                              provider: catalogue.provider(for: sender.value)?.id)
        }
        // An approved include covers what its subtree authorizes now.
        for network in spf.authorizedNetworks where network.network.contains(ip) {
            guard let top = includeOf[network.via.lowercased()], approvedIncludes.contains(top),
                  let sender = approved.first(where: { $0.kind == .include && $0.value.lowercased() == top }) else { continue }
            return SourceName(name: sender.name ?? catalogue.provider(for: top)?.name ?? top, method: .approvedSender,
                              detail: "the approved sender \(InventoryFindings.describe(sender)), through \(network.source) in \(network.via)",
                              provider: catalogue.provider(for: top)?.id, include: top)
        }
        return nil
    }

    func includeName(_ ip: IPAddress, domain: DomainName, spf: SPFAnalysis, includeOf: [String: String]) -> SourceName? {
        for network in spf.authorizedNetworks where network.network.contains(ip) {
            guard let top = includeOf[network.via.lowercased()] else { continue }
            let provider = catalogue.provider(for: network.via) ?? catalogue.provider(for: top)
            return SourceName(name: provider?.name ?? top, method: .spfInclude,
                              detail: "\(domain.text)'s SPF authorizes it through include:\(top) (\(network.source) in \(network.via))",
                              provider: provider?.id, include: top)
        }
        return nil
    }

    func catalogueName(_ ip: IPAddress, providers: [SourceNamingCache.ProviderNetworks]) -> SourceName? {
        for entry in providers {
            guard let network = entry.networks.first(where: { $0.contains(ip) }) else { continue }
            return SourceName(name: entry.provider.name, method: .providerCatalogue,
                              detail: "include:\(entry.include) authorizes \(network) (provider catalogue)",
                              provider: entry.provider.id, include: entry.include)
        }
        return nil
    }

    func reverseName(_ ip: IPAddress) async -> SourceName? {
        guard let confirmed = await cache.confirmedReverseName(ip, resolver: resolver) else { return nil }
        if let provider = catalogue.provider(for: confirmed.name.text) {
            return SourceName(name: provider.name, method: .reverseDNS,
                              detail: "forward-confirmed reverse DNS \(confirmed.name.text) (provider catalogue)",
                              provider: provider.id, include: provider.includes.first)
        }
        let organization = confirmed.organizationalDomain?.text
        return SourceName(name: organization ?? confirmed.name.text, method: .reverseDNS,
                          detail: "forward-confirmed reverse DNS \(confirmed.name.text)"
                            + (organization.map { $0 == confirmed.name.text ? "" : ", Organizational Domain \($0)" } ?? ""))
    }

    func dkimName(_ source: Source, domain: DomainName) -> SourceName? {
        // Signatures of the domain itself say nothing about who sent; another signer names the service.
        let signers = source.dkimDomains.compactMap { try? DomainName($0) }.filter { !$0.isSubdomain(of: domain) && !domain.isSubdomain(of: $0) }
        guard let signer = signers.sorted().first else { return nil }
        let provider = catalogue.provider(for: signer.text)
        return SourceName(name: provider?.name ?? signer.text, method: .dkimDomain,
                          detail: "signs with DKIM d=\(signer.text)" + (provider == nil ? "" : " (provider catalogue)"),
                          provider: provider?.id, include: provider?.includes.first)
    }
}
