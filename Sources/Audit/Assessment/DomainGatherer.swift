import DMARC
import DNSCore
import SPF
import TransportPolicy

/// The first step of an assessment: every DNS answer a domain needs, gathered in one pass from what the
/// store said about it (`DomainFacts`). The SPF tree, DMARC discovery and the approved senders' addresses
/// are read concurrently; then the answers that depend on them: `check_host` for each address (an address
/// is evaluated once however many senders and sources share it), report-destination authorizations, and
/// the providers behind flattened copies. Nothing here judges; `DomainJudge` does, from the result.
public struct DomainGatherer: Sendable {
    public let resolver: any DNSResolver
    public let spfOptions: SPFOptions
    public let thresholds: ObservedThresholds
    /// Fetches MTA-STS policies over HTTPS; nil leaves the policy part unknown.
    public let fetcher: (any PolicyFetcher)?
    /// Names the observed sources; one per gatherer, so a run reads the catalogue providers once.
    public let namer: SourceNamer

    /// Validates the deciding answers with DNSSEC at `now`; nil makes no validation (and no DNSSEC part).
    public let validator: (any DNSSECValidator)?
    public let now: Int64
    /// Read the MX set, MTA-STS, TLS-RPT and BIMI (and DANE); false keeps an assessment to SPF, DMARC and DKIM
    /// (`check --no-transport`).
    public var readsTransport = true

    public init(resolver: any DNSResolver, spfOptions: SPFOptions = .init(), thresholds: ObservedThresholds = .init(),
                fetcher: (any PolicyFetcher)? = nil, validator: (any DNSSECValidator)? = nil, now: Int64 = 0,
                namer: SourceNamer? = nil) {
        self.resolver = resolver
        self.spfOptions = spfOptions
        self.thresholds = thresholds
        self.fetcher = fetcher
        self.namer = namer ?? SourceNamer(resolver: resolver)
        self.validator = validator
        self.now = now
    }

    /// `ips` are checked as anonymous senders (`check --ip`); the facts' approved senders are expanded to
    /// their addresses and each address checked; the observed sources that look like real mail are checked.
    public func gather(_ domain: DomainName, facts: DomainFacts = DomainFacts(), ips: [IPAddress] = [],
                       sender localPart: String = "postmaster", dkimSelectors: [String] = []) async -> DomainObservation {
        async let spfAnalysis = SPFAnalyzer(resolver: resolver, options: spfOptions).analyze(domain: domain)
        async let discovery = DMARCDiscovery(resolver: resolver).discover(domain)
        let readsTransport = self.readsTransport
        async let transport: TransportObservation? = readsTransport
            ? TransportReader(resolver: resolver, fetcher: fetcher).read(domain, expectations: facts.expectations) : nil
        async let dkimKeys = DKIMKeyReader.read(DKIMKeyReader.selectorsToRead(
            facts.dkimSelectors(domain: domain, domainSelectors: dkimSelectors), domain: domain), resolver: resolver)
        let expanded = await SenderExpansion.expand(facts.approved, resolver: resolver)

        var evaluator = Evaluator(checker: SPFChecker(resolver: resolver, options: spfOptions),
                                  domain: domain.text, sender: "\(localPart)@\(domain.text)")
        var checks: [SenderCheck] = []
        for ip in ips {
            checks.append(SenderCheck(ip: ip, evaluation: await evaluator.evaluate(ip)))
        }
        for entry in expanded {
            for ip in entry.addresses {
                checks.append(SenderCheck(ip: ip, label: entry.sender.name, sender: entry.sender,
                                          evaluation: await evaluator.evaluate(ip)))
            }
        }
        var observedChecks: [String: SPFEvaluation] = [:]
        for source in facts.observed?.recent ?? [] where source.messages >= thresholds.minMessages {
            let owner = ObservedJudge.owner(of: source.ip, approved: facts.approved, expanded: expanded)
            guard source.dkimAlignedPass > 0 || owner != nil else { continue }
            observedChecks[source.ip.description] = await evaluator.evaluate(source.ip)
        }

        let dmarc = await discovery
        let authorizations = await authorize(dmarc, domain: domain)
        var readings: [String: ProviderSurvey.Reading] = [:]
        if !facts.flattened.isEmpty {
            let includes = facts.approved.filter { $0.kind == .include }.map(\.value) + facts.flattened.map(\.include)
            readings = await ProviderSurvey.read(includes, resolver: resolver)
        }
        var observation = DomainObservation(domain: domain, spf: await spfAnalysis, dmarc: dmarc, reportAuthorizations: authorizations,
                                            senderChecks: checks, expandedSenders: expanded, observedChecks: observedChecks,
                                            providerReadings: readings, dkimKeys: await dkimKeys)
        if let read = await transport { observation.transport = read } else { observation.transportRead = false }
        if let recent = facts.observed?.recent, !recent.isEmpty {
            observation.sourceNames = await namer.names(
                domain: domain, sources: recent.map { .init(ip: $0.ip, messages: $0.messages, dkimDomains: $0.dkimDomains) },
                approved: facts.approved, expanded: expanded, spf: observation.spf)
        }
        if let validator {
            if readsTransport { observation.dane = await DANEReader.read(observation.transport.mailExchangers, resolver: resolver) }
            observation.dnssec = await DNSSECReader.read(observation, validator: validator, now: now)
        }
        return observation
    }


    /// Report destinations of the applying record. While the Organizational Domain is unknown a host
    /// outside the policy domain may still be inside it: a missing authorization there proves nothing.
    public func authorize(_ dmarc: DMARCDiscoveryResult, domain: DomainName) async -> [ReportAuthorization] {
        guard let record = dmarc.record else { return [] }
        let policyDomain = dmarc.policyDomain ?? domain
        var found = await DMARCReportAuthorizer(resolver: resolver).authorize(
            domain: policyDomain, record: record, organizationalDomain: dmarc.organizationalDomain ?? policyDomain)
        if dmarc.organizationalDomain == nil, let failure = dmarc.failure, failure.isTemporary {
            for index in found.indices where found[index].external && found[index].authorized == false {
                found[index].authorized = nil
                found[index].failure = failure
                found[index].problem = "whether \(found[index].host) lies inside the Organizational Domain is unknown: \(failure)"
            }
        }
        return found
    }

    /// `check_host` once per address within one assessment.
    struct Evaluator {
        let checker: SPFChecker
        let domain: String
        let sender: String
        var done: [IPAddress: SPFEvaluation] = [:]

        mutating func evaluate(_ ip: IPAddress) async -> SPFEvaluation {
            if let known = done[ip] { return known }
            let evaluation = await checker.checkHost(ip: ip, domain: domain, sender: sender, helo: nil)
            done[ip] = evaluation
            return evaluation
        }
    }
}
