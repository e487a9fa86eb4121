import DNSCore
import SPF
import TransportPolicy

/// Gather, then judge: the one way `check`, `poll`, `snapshot` and the daemon assess a domain.
public struct DomainAssessor: Sendable {
    public let gatherer: DomainGatherer
    public let settings: DomainJudge.Settings

    public init(resolver: any DNSResolver, settings: DomainJudge.Settings = .init(), spfOptions: SPFOptions = .init(),
                fetcher: (any PolicyFetcher)? = nil, validator: (any DNSSECValidator)? = nil, namer: SourceNamer? = nil,
                readsTransport: Bool = true) {
        var gatherer = DomainGatherer(resolver: resolver, spfOptions: spfOptions, thresholds: settings.observed, fetcher: fetcher,
                                      validator: validator, now: settings.now ?? 0, namer: namer)
        gatherer.readsTransport = readsTransport
        self.gatherer = gatherer
        self.settings = settings
    }

    /// `ips` are checked as anonymous senders (`check --ip`).
    public func assess(_ domain: DomainName, facts: DomainFacts = DomainFacts(), ips: [IPAddress] = []) async -> DomainAssessment {
        let observation = await gatherer.gather(domain, facts: facts, ips: ips)
        return DomainJudge.judge(observation, facts: facts, settings: settings)
    }
}
