import DMARC
import DNSCore
import SPF

/// What naming sources reads once per run, shared by every domain: the catalogue providers' networks and
/// the reverse names of the addresses. Concurrent askers wait for the one lookup in flight.
public actor SourceNamingCache {
    public struct ProviderNetworks: Sendable {
        public var provider: ProviderCatalogue.Provider
        public var include: String
        public var networks: [CIDRNetwork]
    }

    public struct ConfirmedName: Sendable {
        public var name: DomainName
        public var organizationalDomain: DomainName?
    }

    private var providers: Task<[ProviderNetworks], Never>?
    private var reverse: [IPAddress: Task<ConfirmedName?, Never>] = [:]
    private var started = ContinuousClock.now
    /// How long what was read is used: a daemon reads the providers and reverse names again after it.
    public let lifetime: Duration
    /// Reverse names kept; beyond this they are forgotten all at once (a run of many domains stays bounded).
    static let maximumReverseEntries = 100_000

    public init(lifetime: Duration = .seconds(3600)) { self.lifetime = lifetime }

    private func expire() {
        guard started.duration(to: .now) > lifetime else { return }
        providers = nil
        reverse.removeAll()
        started = .now
    }

    /// Every catalogue include read through SPF analysis; an include DNS did not fully answer contributes
    /// nothing this run.
    public func providerNetworks(_ catalogue: ProviderCatalogue, resolver: any DNSResolver) async -> [ProviderNetworks] {
        expire()
        if let providers { return await providers.value }
        let task = Task<[ProviderNetworks], Never> {
            await withTaskGroup(of: ProviderNetworks?.self) { group in
                for provider in catalogue.providers {
                    for include in provider.includes {
                        group.addTask {
                            let reading = await ProviderSurvey.read(include, resolver: resolver)
                            guard let spf = reading.provider, !spf.networks.isEmpty else { return nil }
                            return ProviderNetworks(provider: provider, include: include, networks: spf.networks)
                        }
                    }
                }
                var found: [ProviderNetworks] = []
                for await entry in group { if let entry { found.append(entry) } }
                // Catalogue order decides between overlapping providers, whatever answered first.
                let order = Dictionary(catalogue.providers.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
                return found.sorted { (order[$0.provider.id] ?? 0, $0.include) < (order[$1.provider.id] ?? 0, $1.include) }
            }
        }
        providers = task
        return await task.value
    }

    /// The first PTR name of `ip` whose own A or AAAA records include `ip` (forward-confirmed reverse DNS),
    /// with its Organizational Domain (RFC 9989's tree walk; nil when that walk did not answer).
    public func confirmedReverseName(_ ip: IPAddress, resolver: any DNSResolver) async -> ConfirmedName? {
        expire()
        if let task = reverse[ip] { return await task.value }
        let task = Task<ConfirmedName?, Never> {
            guard case .success(let (_, names)) = await resolver.ptr(ip.reverseName) else { return nil }
            // A hostile reverse zone may list many names; a receiver checks a handful (RFC 7208 5.5 says 10).
            for name in names.prefix(10) {
                guard case .success(let (_, addresses)) = await resolver.addresses(name, ipv6: !ip.isIPv4),
                      addresses.contains(ip) else { continue }
                let discovery = await DMARCDiscovery(resolver: resolver).discover(name)
                return ConfirmedName(name: name, organizationalDomain: discovery.organizationalDomain)
            }
            return nil
        }
        if reverse.count >= Self.maximumReverseEntries { reverse.removeAll(keepingCapacity: true) }
        reverse[ip] = task
        return await task.value
    }
}
